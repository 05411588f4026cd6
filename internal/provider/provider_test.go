package provider

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// providerWith is a provider block for srv with the given attribute
// lines only (no default credentials), and one data source to read.
func providerWith(srv *sandbox.Server, lines string) string {
	return fmt.Sprintf(`
provider "talkdesk" {
  api_base_url = %q
  token_url    = %q
  %s
}
data "talkdesk_products" "p" {}
`, srv.URL, srv.TokenURL, lines)
}

// credentials are the sandbox's default client credentials as provider
// attribute lines.
var credentials = fmt.Sprintf("client_id = %q\n  client_secret = %q", sandbox.DefaultClientID, sandbox.DefaultClientSecret)

// productsRead is a trailing valid step: reads the price book of srv.
func productsRead(srv *sandbox.Server) resource.TestStep {
	return resource.TestStep{
		Config: config(srv, `data "talkdesk_products" "p" {}`),
		ConfigStateChecks: []statecheck.StateCheck{
			expect("data.talkdesk_products.p", "products", knownvalue.ListSizeExact(len(srv.Data().Products))),
		},
	}
}

// TestProviderConfigErrors checks that each invalid provider setting fails
// at validate/plan time with an error naming the value.
func TestProviderConfigErrors(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{})
	step := func(lines, phrase string) resource.TestStep {
		return resource.TestStep{Config: providerWith(srv, lines), PlanOnly: true, ExpectError: errorText(phrase)}
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{
			step(credentials+"\n  region = \"mars\"", `"mars" is not a Talkdesk region; accepted: us, eu, ca, au`),
			{
				Config: fmt.Sprintf(`
provider "talkdesk" {
  api_base_url = "http://api.example.com"
  token_url    = %q
  %s
}
data "talkdesk_products" "p" {}
`, srv.TokenURL, credentials),
				PlanOnly:    true,
				ExpectError: errorText(`"http://api.example.com" uses http on a non-loopback host`),
			},
			step(credentials+"\n  requests_per_second = -1", `-1 requests per second is out of range`),
			step(credentials+"\n  max_retries = 21", `21 retries is out of range: use a whole number from 0 to 20`),
			step(credentials+"\n  max_retries = -1", `-1 retries is out of range`),
			step(fmt.Sprintf("client_id = %q\n  access_token = \"a-token\"", sandbox.DefaultClientID),
				`Attribute "client_id" cannot be specified when "access_token" is specified`),
			productsRead(srv),
		},
	})
}

// TestProviderAPIFailures checks that API and network failures end the
// read with one clear diagnostic each.
func TestProviderAPIFailures(t *testing.T) {
	t.Parallel()

	t.Run("503 until retries run out", func(t *testing.T) {
		t.Parallel()
		srv := startTestSandbox(t, sandbox.Options{Faults: sandbox.Faults{Rate503: 1}})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviders(),
			Steps: []resource.TestStep{{
				Config:      providerWith(srv, credentials+"\n  max_retries = 1"),
				ExpectError: oneDiagnostic(`Unable to read Talkdesk products`, `gave up after 2 attempts`, `503 Service Unavailable`),
			}, withPreConfig(productsRead(srv), func() { srv.SetFaults(sandbox.Faults{}) })},
		})
	})

	t.Run("500 and truncated bodies", func(t *testing.T) {
		t.Parallel()
		srv := startTestSandbox(t, sandbox.Options{Faults: sandbox.Faults{Rate500: 0.5, RateTruncate: 1, Seed: 3}})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviders(),
			Steps: []resource.TestStep{{
				Config:      providerWith(srv, credentials+"\n  max_retries = 3"),
				ExpectError: oneDiagnostic(`Unable to read Talkdesk products`, `gave up after 4 attempts`),
			}, withPreConfig(productsRead(srv), func() { srv.SetFaults(sandbox.Faults{}) })},
		})
	})

	t.Run("connection resets", func(t *testing.T) {
		t.Parallel()
		srv := startTestSandbox(t, sandbox.Options{Faults: sandbox.Faults{RateReset: 1}})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviders(),
			Steps: []resource.TestStep{{
				Config:      providerWith(srv, credentials+"\n  max_retries = 2"),
				ExpectError: oneDiagnostic(`Unable to read Talkdesk products`, `gave up after 3 attempts`),
			}, withPreConfig(productsRead(srv), func() { srv.SetFaults(sandbox.Faults{}) })},
		})
	})

	t.Run("rate limited", func(t *testing.T) {
		t.Parallel()
		// One request per 1000 s: once the burst is spent, every request
		// gets 429 (with Retry-After: 1).
		srv := startTestSandbox(t, sandbox.Options{RateLimit: 0.001, RateBurst: 1})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviders(),
			Steps: []resource.TestStep{{
				PreConfig:   func() { drainRateLimit(t, srv) },
				Config:      providerWith(srv, credentials+"\n  max_retries = 1"),
				ExpectError: oneDiagnostic(`Talkdesk API rate limit: Unable to read Talkdesk products`, `gave up after 2 attempts (rate limited by the API)`),
			}, withPreConfig(productsRead(srv), func() { srv.SetRateLimit(-1, 0) })},
		})
	})

	t.Run("wrong client secret", func(t *testing.T) {
		t.Parallel()
		srv := startTestSandbox(t, sandbox.Options{})
		// Its first two characters, "qZ", appear nowhere else in the
		// output, so their absence proves the secret's.
		const secret = "qZ-not-the-sandbox-secret-7Jk"
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviders(),
			Steps: []resource.TestStep{{
				Config:      providerWith(srv, fmt.Sprintf("client_id = %q\n  client_secret = %q", sandbox.DefaultClientID, secret)),
				ExpectError: errorTextWithout(`Talkdesk authentication failed`, secret),
			}, {
				Config:      providerWith(srv, fmt.Sprintf("client_id = %q\n  client_secret = %q", sandbox.DefaultClientID, secret)),
				ExpectError: oneDiagnostic(`Talkdesk authentication failed while reading Talkdesk products`, `401 Unauthorized: invalid_client`),
			}, productsRead(srv)},
		})
	})

	t.Run("API unreachable", func(t *testing.T) {
		t.Parallel()
		srv := startTestSandbox(t, sandbox.Options{})
		resource.UnitTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testProviders(),
			Steps: []resource.TestStep{{
				Config: fmt.Sprintf(`
provider "talkdesk" {
  api_base_url = "http://127.0.0.1:1"
  token_url    = %q
  max_retries  = 0
  %s
}
data "talkdesk_products" "p" {}
`, srv.TokenURL, credentials),
				ExpectError: oneDiagnostic(`Cannot connect to 127.0.0.1:1 while reading Talkdesk products`, `connection refused`, `api_base_url`),
			}, productsRead(srv)},
		})
	})
}

// withPreConfig runs f before step.
func withPreConfig(step resource.TestStep, f func()) resource.TestStep {
	step.PreConfig = f
	return step
}

// TestProviderEnvironment configures the provider from TALKDESK_*
// variables (the provider block empty or nearly so) and checks missing
// credentials and invalid variables. It sets the environment, so it does
// not run in parallel; it starts from an environment without any TALKDESK_*
// variable, so it also holds when TF_ACC=1 keeps real credentials there.
func TestProviderEnvironment(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TALKDESK_") {
			t.Setenv(k, "")
		}
	}
	srv := startTestSandbox(t, sandbox.Options{})
	t.Setenv("TALKDESK_API_BASE_URL", srv.URL)
	t.Setenv("TALKDESK_TOKEN_URL", srv.TokenURL)
	t.Setenv("TALKDESK_CLIENT_ID", sandbox.DefaultClientID)
	t.Setenv("TALKDESK_CLIENT_SECRET", sandbox.DefaultClientSecret)
	accounts := sortedAccounts(srv)
	const read = `data "talkdesk_accounts" "all" {}`
	empty := "provider \"talkdesk\" {}\n" + read
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{{
			PreConfig:   func() { t.Setenv("TALKDESK_MAX_RETRIES", "99") },
			Config:      empty,
			ExpectError: errorText(`The value of environment variable TALKDESK_MAX_RETRIES is invalid: 99 retries is out of range`),
		}, {
			PreConfig:   func() { t.Setenv("TALKDESK_MAX_RETRIES", ""); t.Setenv("TALKDESK_REGION", "mars") },
			Config:      empty,
			ExpectError: errorText(`environment variable TALKDESK_REGION is invalid: "mars" is not a Talkdesk region`),
		}, {
			// A client id in the block, no secret anywhere.
			PreConfig:   func() { t.Setenv("TALKDESK_REGION", ""); t.Setenv("TALKDESK_CLIENT_SECRET", "") },
			Config:      fmt.Sprintf("provider \"talkdesk\" {\n  client_id = %q\n}\n", sandbox.DefaultClientID) + read,
			ExpectError: oneDiagnostic(`Missing client_secret`, `The client id needs a client secret`),
		}, {
			// No credentials at all.
			PreConfig:   func() { t.Setenv("TALKDESK_CLIENT_ID", "") },
			Config:      empty,
			ExpectError: errorText(`Missing client_id`),
		}, {
			// Credentials from the environment only.
			PreConfig: func() {
				t.Setenv("TALKDESK_CLIENT_ID", sandbox.DefaultClientID)
				t.Setenv("TALKDESK_CLIENT_SECRET", sandbox.DefaultClientSecret)
			},
			Config: empty,
			ConfigStateChecks: []statecheck.StateCheck{
				expect("data.talkdesk_accounts.all", "accounts", listOf(accounts, accountValue)),
			},
		}},
	})
}
