package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// pemKey encodes a private key as PKCS#8 PEM.
func pemKey(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// TestBadInputFailsBeforeAnyRequest is the table of malformed
// configurations: each fails with an error that says what is wrong and
// what is accepted, and none of them sends a request to the API or its
// token endpoint.
func TestBadInputFailsBeforeAnyRequest(t *testing.T) {
	srv := startTestSandbox(t, sandbox.Options{})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const read = `data "talkdesk_products" "p" {}`
	cases := []struct {
		name     string            // what is wrong, for the reader of a failure
		provider string            // provider attribute lines (credentials added unless noCreds)
		noCreds  bool              // leave the default client credentials out
		data     string            // data blocks (default: read)
		env      map[string]string // TALKDESK_* variables for this case
		want     string            // phrase of the error
	}{
		{name: "unknown region", provider: `region = "mars"`, want: `"mars" is not a Talkdesk region; accepted: us, eu, ca, au`},
		{name: "negative rate", provider: `requests_per_second = -1`, want: `-1 requests per second is out of range`},
		{name: "zero rate", provider: `requests_per_second = 0`, want: `0 requests per second is out of range`},
		{name: "non-numeric rate", provider: `requests_per_second = "fast"`, want: `a number is required`},
		{name: "negative retries", provider: `max_retries = -1`, want: `-1 retries is out of range: use a whole number from 0 to 20`},
		{name: "too many retries", provider: `max_retries = 99`, want: `99 retries is out of range`},
		{name: "access token with client credentials", provider: `access_token = "tok"`, want: `Attribute "client_id" cannot be specified when "access_token" is specified`},
		{name: "http API URL off loopback", provider: `api_base_url = "http://api.example.com"`, want: `uses http on a non-loopback host`},
		{name: "API URL not a URL", provider: `api_base_url = "api.talkdeskapp.com"`, want: `is not an absolute http(s) URL`},
		{name: "token URL with another scheme", provider: `token_url = "ftp://127.0.0.1/oauth/token"`, want: `is not an absolute http(s) URL`},
		{name: "URL with credentials", provider: `api_base_url = "https://user:pw@api.example.com"`, want: `must not embed credentials`},
		{name: "bad account name", provider: `account_name = "acme corp!"`, want: `is not a Talkdesk account name`},
		{name: "private key not a key", provider: `private_key = "not a key"`, want: `neither PEM nor base64-encoded DER`},
		{name: "RSA private key", provider: fmt.Sprintf("private_key = %q", pemKey(t, rsaKey)), want: `not an EC key; ES256 needs an EC P-256 key`},
		{name: "P-384 private key", provider: fmt.Sprintf("private_key = %q", pemKey(t, p384)), want: `on curve P-384; ES256 needs P-256`},
		{name: "secret and private key", provider: fmt.Sprintf("private_key = %q\n key_id = \"k\"", pemKey(t, p256)), want: `"private_key" cannot be specified when "client_secret" is specified`},
		{name: "private key without key id", noCreds: true, provider: fmt.Sprintf("client_id = \"c\"\n private_key = %q", pemKey(t, p256)), want: `private_key needs the id of its key`},
		{name: "no credentials at all", noCreds: true, want: `Set client_id in the provider block or the TALKDESK_CLIENT_ID environment variable`},
		{name: "empty scopes", provider: `scopes = []`, want: `scopes list must contain at least 1 elements`},
		{name: "env: non-numeric rate", env: map[string]string{"TALKDESK_REQUESTS_PER_SECOND": "fast"}, want: `environment variable TALKDESK_REQUESTS_PER_SECOND is invalid: "fast" is not a number`},
		{name: "env: bad region", env: map[string]string{"TALKDESK_REGION": "mars"}, want: `environment variable TALKDESK_REGION is invalid`},
		{name: "env: non-integer retries", env: map[string]string{"TALKDESK_MAX_RETRIES": "2.5"}, want: `"2.5" is not a whole number`},
		{name: "env: http token URL off loopback", env: map[string]string{"TALKDESK_TOKEN_URL": "http://id.example.com/oauth/token"}, noCreds: true,
			provider: "# token_url comes from the environment\n" + `client_id = "c"` + "\n" + `client_secret = "s"`, want: `uses http on a non-loopback host`},
		{name: "malformed account id", data: `data "talkdesk_subscriptions" "s" { account_ids = ["5ea75fe7aa2247"] }`, want: `"5ea75fe7aa2247" is not a Talkdesk account id: ids are 24 hexadecimal characters`},
		{name: "malformed month", data: `data "talkdesk_usage" "u" { from_month = "2024-13" }`, want: `"2024-13" is not a month: use YYYY-MM`},
		{name: "months inverted", data: `data "talkdesk_usage" "u" {
		  from_month = "2024-06"
		  to_month   = "2024-01"
		}`, want: `from_month (2024-06) is after to_month (2024-01)`},
		{name: "date that does not parse", data: `data "talkdesk_invoices" "i" { from_date = "yesterday" }`, want: `"yesterday" is not a date: use YYYY-MM-DD or an RFC 3339 timestamp`},
		{name: "impossible date", data: `data "talkdesk_invoices" "i" { to_date = "2024-02-30" }`, want: `"2024-02-30" is not a date`},
		{name: "end bound not RFC 3339", data: `data "talkdesk_subscriptions" "s" { ends_after = "2025-01-01" }`, want: `"2025-01-01" is not an RFC 3339 timestamp`},
		{name: "account id and name", data: `data "talkdesk_account" "a" {
		  id   = "5ea75fe7aa224700012eae40"
		  name = "acme"
		}`, want: `2 attributes specified when one (and only one) of`},
		{name: "account neither id nor name", data: `data "talkdesk_account" "a" {}`, want: `No attribute specified when one (and only one) of`},
		{name: "empty invoice number", data: `data "talkdesk_invoice" "i" { number = "" }`, want: `string length must be at least 1`},
	}
	var envKeys []string
	for _, c := range cases {
		for k := range c.env {
			envKeys = append(envKeys, k)
		}
	}
	var steps []resource.TestStep
	for _, c := range cases {
		lines := c.provider
		if !c.noCreds {
			lines = credentials + "\n  " + lines
		}
		data := c.data
		if data == "" {
			data = read
		}
		env := c.env
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				for _, k := range envKeys {
					t.Setenv(k, env[k])
				}
			},
			Config:      providerBlockWith(srv, lines) + data,
			PlanOnly:    true,
			ExpectError: errorText(c.want),
		})
	}
	// A last, valid step (so the post-test destroy has a valid config),
	// checking first that none of the above reached the API.
	last := productsRead(srv)
	last.PreConfig = func() {
		for _, k := range envKeys {
			t.Setenv(k, "")
		}
		if st := srv.Stats(); st.APIRequests != 0 || st.TokenRequests != 0 {
			t.Errorf("bad input sent %d API and %d token requests; want none", st.APIRequests, st.TokenRequests)
		}
	}
	steps = append(steps, last)
	if len(cases) < 20 {
		t.Fatalf("the table has %d cases; the bar is 20", len(cases))
	}
	resource.UnitTest(t, resource.TestCase{ProtoV6ProviderFactories: testProviders(), Steps: steps})
}

// providerBlockWith is a provider block for srv with the given lines; the
// sandbox URLs are added unless the lines set them.
func providerBlockWith(srv *sandbox.Server, lines string) string {
	var b strings.Builder
	b.WriteString("provider \"talkdesk\" {\n")
	if !strings.Contains(lines, "api_base_url") {
		fmt.Fprintf(&b, "  api_base_url = %q\n", srv.URL)
	}
	if !strings.Contains(lines, "token_url") {
		fmt.Fprintf(&b, "  token_url = %q\n", srv.TokenURL)
	}
	b.WriteString("  " + lines + "\n}\n")
	return b.String()
}
