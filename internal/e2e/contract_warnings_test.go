package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestContractWarningsThroughTerraform applies talkdesk_contracts over
// contracts whose lines disagree, and reads Terraform's machine-readable
// output: one warning per contract and field, naming both, the field
// null in the state, and nothing for a contract whose lines agree (even
// on null). A status filter cannot place a contract whose lines disagree
// on status: it is left out, with a warning about that field only.
func TestContractWarningsThroughTerraform(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, sandbox.Options{Accounts: 2, RateLimit: -1, Now: time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)})
	// The first three contracts with several lines: X disagrees on
	// auto_renewal, Y on status and edition, Z agrees on a null
	// auto_renewal.
	lines := map[string][]int{}
	var numbers []string
	for i, s := range srv.Data().Subscriptions {
		if lines[s.ContractNumber] == nil {
			numbers = append(numbers, s.ContractNumber)
		}
		lines[s.ContractNumber] = append(lines[s.ContractNumber], i)
	}
	numbers = slices.DeleteFunc(numbers, func(n string) bool { return len(lines[n]) < 2 })
	if len(numbers) < 3 {
		t.Fatalf("only %d contracts with several lines", len(numbers))
	}
	x, y, z := numbers[0], numbers[1], numbers[2]
	srv.Mutate(func(d *sandbox.Dataset) {
		seen := map[string]int{}
		for i := range d.Subscriptions {
			s := &d.Subscriptions[i]
			n := seen[s.ContractNumber]
			seen[s.ContractNumber]++
			switch s.ContractNumber {
			case x:
				s.Status = "ACTIVATED"
				s.AutoRenewal = new(bool)
				*s.AutoRenewal = n == 0 // true on the first line only
			case y:
				if n == 0 {
					s.Status, s.Edition = "OTHER", "Elevate"
				} else {
					s.Status, s.Edition = "ACTIVATED", "Express"
				}
			case z:
				s.AutoRenewal = nil
			}
		}
	})
	accountOf := map[string]string{}
	for _, s := range srv.Data().Subscriptions {
		accountOf[s.ContractNumber] = s.AccountID
	}
	provider := providerBlock(srv, "requests_per_second = 100")
	show := func(field string) string {
		return fmt.Sprintf(`{ for c in data.talkdesk_contracts.c.contracts : c.contract_number => c.%s == null ? "null" : tostring(c.%s) }`, field, field)
	}
	outputs := fmt.Sprintf("output \"auto_renewal\" { value = %s }\noutput \"status\" { value = %s }\noutput \"edition\" { value = %s }\n",
		show("auto_renewal"), show("status"), show("edition"))

	type warning struct{ summary, contract, field string }
	run := func(filter string) (map[string]map[string]string, []warning) {
		t.Helper()
		ws := newWorkspace(t, provider+"data \"talkdesk_contracts\" \"c\" {\n"+filter+"\n}\n"+outputs)
		res := ws.run(nil, "apply", "-auto-approve", "-input=false", "-lock=false", "-json", "-state="+ws.dir+"/s.tfstate")
		if res.err != nil {
			t.Fatalf("apply: %v\n%s", res.err, res.output())
		}
		var warnings []warning
		for _, l := range strings.Split(res.stdout, "\n") {
			var msg struct {
				Type       string `json:"type"`
				Diagnostic struct {
					Severity, Summary, Detail string
				} `json:"diagnostic"`
			}
			if json.Unmarshal([]byte(l), &msg) != nil || msg.Type != "diagnostic" {
				continue
			}
			d := msg.Diagnostic
			if strings.HasPrefix(d.Summary, "Deprecated flag: -state") || d.Summary == "Provider development overrides are in effect" {
				continue // the CLI's own, about this test's set-up
			}
			if d.Severity != "warning" {
				t.Errorf("unexpected %s: %s: %s", d.Severity, d.Summary, d.Detail)
				continue
			}
			w := warning{summary: d.Summary}
			for _, n := range []string{x, y, z} {
				if strings.Contains(d.Detail, fmt.Sprintf("contract %q of account %q", n, accountOf[n])) {
					w.contract = n
				}
			}
			for _, f := range []string{"auto_renewal", "status", "edition"} {
				if strings.Contains(d.Detail, "carry different "+f+" values") {
					w.field = f
				}
			}
			warnings = append(warnings, w)
		}
		out := ws.run(nil, "output", "-json", "-state="+ws.dir+"/s.tfstate")
		var values map[string]struct{ Value map[string]string }
		if err := json.Unmarshal([]byte(out.stdout), &values); err != nil {
			t.Fatalf("outputs: %v\n%s", err, out.output())
		}
		got := map[string]map[string]string{}
		for k, v := range values {
			got[k] = v.Value
		}
		return got, warnings
	}
	cmpWarnings := func(what string, got, want []warning) {
		t.Helper()
		order := func(a, b warning) int { return strings.Compare(a.contract+a.field, b.contract+b.field) }
		slices.SortFunc(got, order)
		slices.SortFunc(want, order)
		if !slices.Equal(got, want) {
			t.Errorf("%s: warnings %+v, want %+v", what, got, want)
		}
	}

	values, warnings := run("")
	cmpWarnings("all contracts", warnings, []warning{
		{"Contract lines disagree on auto_renewal", x, "auto_renewal"},
		{"Contract lines disagree on status", y, "status"},
		{"Contract lines disagree on edition", y, "edition"},
	})
	for field, want := range map[string]map[string]string{
		"auto_renewal": {x: "null", z: "null"},
		"status":       {x: "ACTIVATED", y: "null"},
		"edition":      {y: "null"},
	} {
		for n, v := range want {
			if values[field][n] != v {
				t.Errorf("contract %s: %s = %q, want %q", n, field, values[field][n], v)
			}
		}
	}

	values, warnings = run(`status = "ACTIVATED"`)
	cmpWarnings("activated contracts", warnings, []warning{
		{"Contract lines disagree on auto_renewal", x, "auto_renewal"},
		{"Contract lines disagree on status", y, "status"},
	})
	if _, ok := values["status"][y]; ok {
		t.Errorf("contract %s, whose lines disagree on status, is in the result of a status filter", y)
	}
	if values["status"][x] != "ACTIVATED" {
		t.Errorf("contract %s is missing from the activated contracts: %v", x, values["status"])
	}
}
