package billing

import (
	"strings"
	"testing"
)

func TestOrganizationKeyNamesNoSecret(t *testing.T) {
	base := Config{Region: "us", AccountName: "acme", ClientID: "id-1", ClientSecret: "s3cret-value"}
	org, ok := base.Organization()
	if !ok {
		t.Fatal("client credentials name their organization")
	}
	if org.TokenURL != "https://acme.talkdeskid.com/oauth/token" || org.APIBaseURL != "https://api.talkdeskapp.com" || org.ClientID != "id-1" {
		t.Fatalf("organization = %+v", org)
	}
	other := base
	other.ClientSecret = "another-secret"
	if o2, _ := other.Organization(); o2.Key() != org.Key() {
		t.Error("the key changed with the secret: it must not depend on it")
	}
	if strings.Contains(org.Key(), "s3cret") || strings.Contains(org.Key(), "/") {
		t.Errorf("key %q is not a plain hex name", org.Key())
	}
	for name, cfg := range map[string]Config{
		"another client": {Region: "us", AccountName: "acme", ClientID: "id-2", ClientSecret: "x"},
		"another region": {Region: "eu", AccountName: "acme", ClientID: "id-1", ClientSecret: "x"},
		"another token":  {Region: "us", TokenURL: "https://other.example/oauth/token", ClientID: "id-1", ClientSecret: "x"},
	} {
		o, ok := cfg.Organization()
		if !ok || o.Key() == org.Key() {
			t.Errorf("%s: key %q ok=%v, want a key of its own", name, o.Key(), ok)
		}
	}
}

func TestOrganizationOfAccessToken(t *testing.T) {
	if _, ok := (Config{AccessToken: "tok"}).Organization(); ok {
		t.Error("a bare access token names no organization")
	}
	a, ok := (Config{AccessToken: "tok-a", AccountName: "Acme"}).Organization()
	b, _ := (Config{AccessToken: "tok-b", AccountName: "acme"}).Organization()
	if !ok || a.Key() != b.Key() {
		t.Errorf("an access token with an account name is keyed by the account, not the token: %q %q", a.Key(), b.Key())
	}
}
