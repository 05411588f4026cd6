package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// Helpers shared by the data source tests: expected values are computed
// from the sandbox's own data set (srv.Data()), never from the provider.

// testNow pins the sandbox's "today" so that generated dates, and hence the
// filters the tests pick, are the same on every run.
var testNow = time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)

// startTestSandbox starts a sandbox with testNow unless opts sets Now, and
// without a rate limit unless opts sets one: the data source tests read
// many data sources per step, and pacing them at the API's 25 requests a
// second would only make the package slow (the 429 path has its own test).
func startTestSandbox(t testing.TB, opts sandbox.Options) *sandbox.Server {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	return startSandbox(t, opts)
}

// jsonNumberText is the text encoding/json writes for v: exactly what the
// sandbox sends for that number.
func jsonNumberText(v float64) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// numberCheck expects the number the sandbox serialised as v, read at
// Terraform's 512-bit precision.
func numberCheck(v float64) knownvalue.Check {
	f, _, err := big.ParseFloat(jsonNumberText(v), 10, 512, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return knownvalue.NumberExact(f)
}

// ratOf is the exact decimal the sandbox sent for v.
func ratOf(v float64) *big.Rat {
	r, ok := new(big.Rat).SetString(jsonNumberText(v))
	if !ok {
		panic("not a number: " + jsonNumberText(v))
	}
	return r
}

// ratCheck expects an exact decimal sum, rounded to 512 bits the way
// Terraform stores numbers.
func ratCheck(r *big.Rat) knownvalue.Check {
	return knownvalue.NumberExact(new(big.Float).SetPrec(512).SetRat(r))
}

func nullableNumber(p *float64) knownvalue.Check {
	if p == nil {
		return knownvalue.Null()
	}
	return numberCheck(*p)
}

func nullableString(p *string) knownvalue.Check {
	if p == nil {
		return knownvalue.Null()
	}
	return knownvalue.StringExact(*p)
}

func nullableBool(p *bool) knownvalue.Check {
	if p == nil {
		return knownvalue.Null()
	}
	return knownvalue.Bool(*p)
}

// listOf expects exactly items, in order, each checked by f. An empty
// items expects an empty (not null) list.
func listOf[T any](items []T, f func(T) knownvalue.Check) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(items))
	for _, it := range items {
		checks = append(checks, f(it))
	}
	return knownvalue.ListExact(checks)
}

// filter returns the items for which keep is true, in their order.
func filter[T any](items []T, keep func(T) bool) []T {
	var out []T
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

// expect is statecheck.ExpectKnownValue of a top-level attribute.
func expect(addr, attr string, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), v)
}

// config is the provider block for srv, paced for an unlimited sandbox,
// followed by the given blocks.
func config(srv *sandbox.Server, blocks ...string) string {
	return providerBlock(srv, "requests_per_second = 1000") + strings.Join(blocks, "\n")
}

// hclList renders strings as an HCL list literal.
func hclList(vs ...string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// errorText matches a diagnostic phrase however Terraform wraps it: each
// run of spaces in phrase matches any run of white space.
func errorText(phrase string) *regexp.Regexp {
	words := strings.Fields(phrase)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// errorTextWithout matches output that contains phrase and nowhere the
// two-character prefix of secret (so nowhere the secret itself). RE2 has
// no look-ahead, so "does not contain ab" (a != b) is spelled out as
// ([^a]|a+[^ab])*a*.
func errorTextWithout(phrase, secret string) *regexp.Regexp {
	a, b := regexp.QuoteMeta(secret[:1]), regexp.QuoteMeta(secret[1:2])
	if a == b {
		panic("the secret's first two characters must differ")
	}
	free := fmt.Sprintf(`(?:[^%[1]s]|%[1]s+[^%[1]s%[2]s])*%[1]s*`, a, b)
	return regexp.MustCompile(`\A` + free + errorText(phrase).String() + free + `\z`)
}

// drainRateLimit spends the sandbox's rate-limit burst with one API
// request, so that the next API request is answered 429.
func drainRateLimit(t testing.TB, srv *sandbox.Server) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequest(http.MethodPost, srv.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sandbox.DefaultClientID, sandbox.DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("getting a sandbox token: status %d, %v", resp.StatusCode, err)
	}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/express/products", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatal("the sandbox never answered 429")
}

// regexp403 matches the diagnostic of a 403 on an account filter that
// names exactly the foreign ids, in the given order, as the ids refused.
func regexp403(foreign ...string) *regexp.Regexp {
	return regexp.MustCompile(`Accounts not under the organization(?s:.*)` +
		errorText("not under the organization that owns the credentials:").String() +
		`\s+` + regexp.QuoteMeta(strings.Join(foreign, ", ")) + `\.`)
}

// oneDiagnostic matches Terraform output holding exactly one diagnostic
// ("Error: ..." at the start of a line), which contains the phrases in
// order. Detail lines of the diagnostics under test never start with "E",
// so "no other diagnostic" is spelled as "no other line starts with E":
// the RE2 form of "does not contain \nE" is ([^\n]|\n+[^\nE])*\n*.
func oneDiagnostic(phrases ...string) *regexp.Regexp {
	const free = `(?:[^\n]|\n+[^\nE])*\n*`
	re := `\A` + free + `\nError: ` + free
	for _, p := range phrases {
		re += errorText(p).String() + free
	}
	return regexp.MustCompile(re + `\z`)
}
