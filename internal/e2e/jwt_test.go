package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestPrivateKeyJWTEndToEnd authenticates with private_key_jwt through
// Terraform: the right key reads the accounts, a wrong key fails with an
// authentication error that names the client id and never the key.
func TestPrivateKeyJWTEndToEnd(t *testing.T) {
	t.Parallel()
	const clientID = "e2e-jwt-client"
	const keyID = "e2e-jwt-key"
	key := newECKey(t)
	srv := startSandbox(t, sandbox.Options{
		ClientID: clientID, JWTPublicKey: &key.key.PublicKey, KeyID: keyID,
		Accounts: 12, RateLimit: -1,
	})
	config := func(k ecKey) string {
		return fmt.Sprintf("provider \"talkdesk\" {\n%s  client_id = %q\n  key_id = %q\n  private_key = %s\n}\n",
			urlsBlock(srv), clientID, keyID, hclHeredoc(k.pem)) + `
data "talkdesk_accounts" "all" {}
output "account_count" { value = tostring(length(data.talkdesk_accounts.all.accounts)) }
output "first_id" { value = data.talkdesk_accounts.all.accounts[0].id }
`
	}

	t.Run("right key", func(t *testing.T) {
		t.Parallel()
		ws := newWorkspace(t, config(key))
		res := ws.apply()
		if res.err != nil {
			t.Fatalf("terraform apply failed: %v\n%s", res.err, redact(res.output(), key.pemBodyLines()))
		}
		out := outputs(res.stdout)
		data := srv.Data()
		if got, want := out["account_count"], strconv.Itoa(len(data.Accounts)); got != want {
			t.Errorf("account_count = %q, want %q (sandbox data)\n%s", got, want, res.stdout)
		}
		ids := map[string]bool{}
		for _, a := range data.Accounts {
			ids[a.ID] = true
		}
		if !ids[out["first_id"]] {
			t.Errorf("first_id %q is not a sandbox account id", out["first_id"])
		}
		if st := srv.Stats(); st.TokenRequests == 0 || st.APIRequests == 0 {
			t.Errorf("sandbox stats %+v: want token and API requests", st)
		}
		checkNoKey(t, res.output(), key)
		t.Logf("apply took %v", res.took)
	})

	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		wrong := newECKey(t)
		ws := newWorkspace(t, config(wrong))
		res := ws.plan(nil)
		if res.err == nil {
			t.Fatalf("terraform plan succeeded with a key the sandbox does not know:\n%s", res.stdout)
		}
		out := res.output()
		flat := strings.Join(strings.Fields(out), " ") // Terraform wraps diagnostics
		if !strings.Contains(flat, "authentication failed") && !strings.Contains(flat, "obtaining an access token") {
			t.Errorf("the error does not say authentication failed:\n%s", redact(out, wrong.pemBodyLines()))
		}
		if !strings.Contains(flat, clientID) {
			t.Errorf("the error does not name the client id %q:\n%s", clientID, redact(out, wrong.pemBodyLines()))
		}
		checkNoKey(t, out, wrong)
		checkNoKey(t, out, key)
		t.Logf("plan failed as expected in %v: %s", res.took, excerptError(flat))
	})
}

// checkNoKey fails when any form of k appears in text.
func checkNoKey(t *testing.T, text string, k ecKey) {
	t.Helper()
	for _, s := range append(k.pemBodyLines(), strings.TrimSpace(k.pem)) {
		if strings.Contains(text, s) {
			t.Errorf("the private key appears in Terraform's output: %s", excerpt(text, s))
		}
	}
}

// excerptError is the first Error: line of Terraform's output.
func excerptError(flat string) string {
	i := strings.Index(flat, "Error:")
	if i < 0 {
		return flat[:min(len(flat), 300)]
	}
	return flat[i:min(len(flat), i+400)]
}
