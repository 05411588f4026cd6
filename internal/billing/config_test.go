package billing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ok := Config{AccountName: "acme", ClientID: "id", ClientSecret: "s3cr3t-XYZ"}
	cases := []struct {
		name string
		mod  func(*Config)
		// want are fragments the error must contain; none means valid.
		want []string
	}{
		{"defaults", func(c *Config) {}, nil},
		{"every region", func(c *Config) { c.Region = "au" }, nil},
		{"bad region", func(c *Config) { c.Region = "mars" }, []string{`unknown region "mars"`, "us, eu, ca, au"}},
		{"http on a public host", func(c *Config) { c.APIBaseURL = "http://api.example.com" },
			[]string{"API base URL", "http://api.example.com", "non-loopback", "https"}},
		{"http token URL on a public host", func(c *Config) { c.TokenURL = "http://id.example.com/oauth/token" },
			[]string{"token URL", "non-loopback"}},
		{"http on loopback", func(c *Config) {
			c.APIBaseURL, c.TokenURL = "http://127.0.0.1:8080", "http://localhost:9090/oauth/token"
		}, nil},
		{"http on IPv6 loopback", func(c *Config) { c.APIBaseURL = "http://[::1]:8080" }, nil},
		{"relative URL", func(c *Config) { c.APIBaseURL = "/express" }, []string{"not an absolute http(s) URL"}},
		{"credentials in URL", func(c *Config) { c.TokenURL = "https://user:pw@id.example.com/t" },
			[]string{"must not embed credentials"}},
		{"access token and client credentials", func(c *Config) { c.AccessToken = "tok" },
			[]string{"access token and client credentials are mutually exclusive"}},
		{"access token alone", func(c *Config) { c.ClientID, c.ClientSecret, c.AccessToken = "", "", "tok" }, nil},
		{"missing secret", func(c *Config) { c.ClientSecret = "" }, []string{"client secret or a private key is required"}},
		{"missing client id", func(c *Config) { c.ClientID = "" }, []string{"client id"}},
		{"secret and key", func(c *Config) { c.PrivateKey, c.KeyID = key, "k" }, []string{"client secret and a private key are mutually exclusive"}},
		{"key without key id", func(c *Config) { c.ClientSecret, c.PrivateKey = "", key }, []string{"key id is required"}},
		{"key with key id", func(c *Config) { c.ClientSecret, c.PrivateKey, c.KeyID = "", key, "k" }, nil},
		{"negative rate", func(c *Config) { c.RequestsPerSecond = -1 }, []string{"requests per second", "-1"}},
		{"no account name nor token URL", func(c *Config) { c.AccountName = "" }, []string{"account name is required"}},
		{"token URL without account name", func(c *Config) { c.AccountName, c.TokenURL = "", "https://id.example.com/oauth/token" }, nil},
		{"bad account name", func(c *Config) { c.AccountName = "acme.evil.com/x" }, []string{"not a Talkdesk account name"}},
		{"several problems at once", func(c *Config) { c.Region, c.ClientSecret, c.RequestsPerSecond = "xx", "", -5 },
			[]string{"unknown region", "client secret", "requests per second"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.mod(&cfg)
			err := cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := New(cfg); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v", cfg)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t-XYZ") {
				t.Errorf("error %q shows the secret", err)
			}
			if _, err := New(cfg); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestResolvedURLs(t *testing.T) {
	for region, want := range map[string][2]string{
		"":   {"https://api.talkdeskapp.com", "https://acme.talkdeskid.com/oauth/token"},
		"eu": {"https://api.talkdeskapp.eu", "https://acme.talkdeskid.eu/oauth/token"},
		"ca": {"https://api.talkdeskappca.com", "https://acme.talkdeskidca.com/oauth/token"},
		"au": {"https://api.talkdeskapp.au", "https://acme.talkdeskid.au/oauth/token"},
	} {
		api, tok, err := Config{Region: region, AccountName: "acme"}.ResolvedURLs()
		if err != nil || api != want[0] || tok != want[1] {
			t.Errorf("region %q: %s, %s, %v; want %s, %s", region, api, tok, err, want[0], want[1])
		}
	}
	api, tok, err := Config{APIBaseURL: "https://proxy.example.com/td/", TokenURL: "https://id.example.com/t"}.ResolvedURLs()
	if err != nil || api != "https://proxy.example.com/td" || tok != "https://id.example.com/t" {
		t.Errorf("overrides: %s, %s, %v", api, tok, err)
	}
}

// TestCredentialsURLRedacted: an embedded password never shows in the error.
func TestCredentialsURLRedacted(t *testing.T) {
	err := CheckURL("https://user:hunter2@id.example.com/t")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("got %v", err)
	}
}
