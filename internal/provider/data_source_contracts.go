package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// contract is one contract: the lines the API serves under one account
// and contract number.
type contract struct {
	// head holds the contract-level fields (the other fields are unset).
	head sub
	// lines are the shared subscription records (only read), sorted by
	// product_id then id.
	lines []*sub
	// end is head.EndDate.
	end instant
	// conflicts are the contract-level fields the lines disagree on,
	// each with the values seen; head leaves them null.
	conflicts []conflict
}

// conflict is a contract-level field whose lines disagree.
type conflict struct {
	field string
	// values are the distinct values, each with the ids of its lines.
	values []string
	lines  [][]string
}

// contractLevel are the fields of a line that belong to its contract.
var contractLevel = []string{
	"account_id", "contract_number", "currency", "billing_period", "status", "term",
	"start_date", "end_date", "edition", "auto_renewal", "renewal_uplift",
}

var contractLineColumns = through(pick(subscriptionColumns,
	"id", "product_id", "quantity", "unit_price", "billing_frequency", "pricing_model", "concurrent", "seasonal"),
	func(l **sub) *sub { return *l })

var contractColumns = slices.Concat(
	through(noted(pick(subscriptionColumns, "account_id", "contract_number"), " The contract is the lines with the same `account_id` and `contract_number`."), contractHead),
	through(noted(pick(subscriptionColumns, "start_date"), " The earliest of the lines' start dates; null when they differ and one is null or not RFC 3339."), contractHead),
	through(noted(pick(subscriptionColumns, "end_date"), " The latest of the lines' end dates; null when they differ and one is null or not RFC 3339."), contractHead),
	through(noted(pick(subscriptionColumns, agreedNames()...), " Null when the contract's lines disagree on it (the read then warns, naming the contract)."), contractHead),
	[]column[contract]{nestedCol("lines", "The contract's lines, sorted by `product_id` then `id`.", contractLineColumns, func(c *contract) []*sub { return c.lines })},
)

func contractHead(c *contract) *sub { return &c.head }

// NewContractsDataSource is talkdesk_contracts.
func NewContractsDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "contracts",
		endpoint: billing.EndpointSubscriptions,
		schema: schema.Schema{
			Description: "Lists contracts: the contract lines (subscriptions) of the organization's instances grouped by `account_id` and `contract_number`, one object per contract with its lines. " +
				"A contract-level field is the value all its lines carry, except `start_date` (the earliest of the lines') and `end_date` (the latest, compared as instants; the API's text is kept). " +
				"Where the lines of a contract disagree on a field, the contract's field is null and the read warns, naming the contract and the field. " +
				"`account_ids` is sent to the API as a filter (long lists are split into several requests); `product_ids`, `status`, `ends_before` and `ends_after` are applied by the provider to the contracts. No match gives an empty list.",
			Attributes: withAttributes(subscriptionFilterAttributes("contracts"), map[string]schema.Attribute{
				"product_ids": productIDsAttribute("Only contracts with at least one line for one of these product codes (applied by the provider); the contract keeps all its lines."),
				"contracts":   listNested("The contracts, sorted by `end_date`, then `account_id`, then `contract_number` (null or non-RFC 3339 end dates last).", contractColumns),
			}),
		},
		validators: []datasource.ConfigValidator{endWindowBounds},
		read:       readContracts,
	})
}

func readContracts(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	f, subs, diags := selectSubscriptions(ctx, client, cfg)
	if diags.HasError() {
		return diags
	}
	var kept []contract
	undated := 0
	for _, c := range groupContracts(subs) {
		if f.products != nil && !slices.ContainsFunc(c.lines, func(l *sub) bool { return f.products[l.ProductID.Value] }) {
			continue
		}
		// A filter on a field the lines disagree on cannot place the
		// contract: it is left out, and its warning says so.
		unplaced := ""
		switch {
		case f.byStatus && c.conflicted("status"):
			unplaced = "status"
		case f.dated() && c.conflicted("end_date"):
			unplaced = "end_date"
		case !f.matchesStatus(c.head.Status):
			continue
		case f.dated() && !c.end.ok:
			undated++
			continue
		case f.dated() && !f.endsInside(c.end.at):
			continue
		}
		for _, cf := range c.conflicts {
			if unplaced == "" || cf.field == unplaced {
				diags.AddWarning("Contract lines disagree on "+cf.field, c.describe(cf, unplaced != ""))
			}
		}
		if unplaced == "" {
			kept = append(kept, c)
		}
	}
	if undated > 0 {
		diags.AddWarning("Contracts without a readable end date",
			fmt.Sprintf("%d contracts have no RFC 3339 end_date, so ends_before/ends_after cannot place them; they are left out of the result.", undated))
	}
	setList(b, "contracts", contractColumns, kept)
	return diags
}

func (c *contract) conflicted(field string) bool {
	return slices.ContainsFunc(c.conflicts, func(cf conflict) bool { return cf.field == field })
}

// describe is the warning about one conflict.
func (c *contract) describe(cf conflict, leftOut bool) string {
	var seen []string
	for i, v := range cf.values {
		lines := "line "
		if len(cf.lines[i]) > 1 {
			lines = "lines "
		}
		seen = append(seen, v+" on "+lines+strings.Join(cf.lines[i], ", "))
	}
	what := fmt.Sprintf("The lines of contract %s of account %s carry different %s values: %s. ",
		showNull(c.head.ContractNumber), showNull(c.head.AccountID), cf.field, strings.Join(seen, "; "))
	if leftOut {
		return what + "The filter on " + cf.field + " cannot place the contract, so it is left out of the result; talkdesk_subscriptions lists each line."
	}
	return what + "The contract's " + cf.field + " is null; talkdesk_subscriptions lists each line's own value."
}

// groupContracts groups contract lines by account and contract number
// (a null key is a key of its own), sorted by end_date, account_id and
// contract_number. lines is only read.
func groupContracts(lines []sub) []contract {
	type key struct{ account, number billing.Null[string] }
	index := map[key]int{}
	var out []contract
	for i := range lines {
		k := key{lines[i].AccountID, lines[i].ContractNumber}
		idx, ok := index[k]
		if !ok {
			idx = len(out)
			index[k] = idx
			out = append(out, contract{})
		}
		out[idx].lines = append(out[idx].lines, &lines[i])
	}
	for i := range out {
		out[i].settle()
	}
	sort.Slice(out, func(i, j int) bool { // in place: see summarizeUsage
		x, y := &out[i], &out[j]
		return cmp.Or(x.end.compare(y.end), compareNull(x.head.AccountID, y.head.AccountID), compareNull(x.head.ContractNumber, y.head.ContractNumber)) < 0
	})
	return out
}

// settle sorts the lines and derives the contract-level fields.
func (c *contract) settle() {
	slices.SortFunc(c.lines, func(x, y *sub) int {
		return cmp.Or(compareNull(x.ProductID, y.ProductID), strings.Compare(x.ID, y.ID))
	})
	first := c.lines[0]
	c.head = sub{
		AccountID: first.AccountID, ContractNumber: first.ContractNumber,
		Currency: first.Currency, BillingPeriod: first.BillingPeriod, Status: first.Status, Term: first.Term,
		Edition: first.Edition, AutoRenewal: first.AutoRenewal, RenewalUplift: first.RenewalUplift,
	}
	for _, f := range agreedFields {
		if cf, ok := f.check(c.lines); ok {
			f.clear(&c.head)
			c.conflicts = append(c.conflicts, cf)
		}
	}
	var ok bool
	if c.head.StartDate, ok = extremeInstant(c.lines, func(s *sub) billing.Null[string] { return s.StartDate }, -1); !ok {
		c.conflicts = append(c.conflicts, spread("start_date", c.lines, func(s *sub) string { return showNull(s.StartDate) }))
	}
	if c.head.EndDate, ok = extremeInstant(c.lines, func(s *sub) billing.Null[string] { return s.EndDate }, 1); !ok {
		c.conflicts = append(c.conflicts, spread("end_date", c.lines, func(s *sub) string { return showNull(s.EndDate) }))
	}
	c.end = instantOf(c.head.EndDate)
	// Report conflicts in the order of the contract's attributes.
	slices.SortFunc(c.conflicts, func(x, y conflict) int {
		return slices.Index(contractLevel, x.field) - slices.Index(contractLevel, y.field)
	})
}

// agreedField is a contract-level field every line must repeat.
type agreedField struct {
	name  string
	same  func(x, y *sub) bool
	show  func(*sub) string
	clear func(*sub)
}

func agreed[V string | bool | billing.Number](name string, field func(*sub) *billing.Null[V]) agreedField {
	return agreedField{
		name:  name,
		same:  func(x, y *sub) bool { return sameNull(*field(x), *field(y)) },
		show:  func(s *sub) string { return showNull(*field(s)) },
		clear: func(s *sub) { *field(s) = billing.Null[V]{} },
	}
}

// agreedFields are the contract-level fields but the key and the dates.
var agreedFields = []agreedField{
	agreed("currency", func(s *sub) *billing.Null[string] { return &s.Currency }),
	agreed("billing_period", func(s *sub) *billing.Null[string] { return &s.BillingPeriod }),
	agreed("status", func(s *sub) *billing.Null[string] { return &s.Status }),
	agreed("term", func(s *sub) *billing.Null[string] { return &s.Term }),
	agreed("edition", func(s *sub) *billing.Null[string] { return &s.Edition }),
	agreed("auto_renewal", func(s *sub) *billing.Null[bool] { return &s.AutoRenewal }),
	agreed("renewal_uplift", func(s *sub) *billing.Null[billing.Number] { return &s.RenewalUplift }),
}

func agreedNames() []string {
	names := make([]string, len(agreedFields))
	for i, f := range agreedFields {
		names[i] = f.name
	}
	return names
}

// check reports the conflict when the lines do not all agree.
func (f agreedField) check(lines []*sub) (conflict, bool) {
	for i := range lines[1:] {
		if !f.same(lines[0], lines[i+1]) {
			return spread(f.name, lines, f.show), true
		}
	}
	return conflict{}, false
}

// spread lists the distinct values of a field with the lines carrying
// each, in line order.
func spread(field string, lines []*sub, show func(*sub) string) conflict {
	cf := conflict{field: field}
	for i := range lines {
		v := show(lines[i])
		j := slices.Index(cf.values, v)
		if j < 0 {
			j = len(cf.values)
			cf.values = append(cf.values, v)
			cf.lines = append(cf.lines, nil)
		}
		cf.lines[j] = append(cf.lines[j], lines[i].ID)
	}
	return cf
}

// extremeInstant is the earliest (dir -1) or latest (dir 1) of the
// lines' dates, as the API wrote it. Lines that all carry the same text
// (null included) agree on it; otherwise every date must be RFC 3339,
// or ok is false.
func extremeInstant(lines []*sub, get func(*sub) billing.Null[string], dir int) (billing.Null[string], bool) {
	best := get(lines[0])
	if !slices.ContainsFunc(lines, func(s *sub) bool { return get(s) != best }) {
		return best, true
	}
	var at time.Time
	for i := range lines {
		v := get(lines[i])
		t, err := time.Parse(time.RFC3339, v.Value)
		if !v.Valid || err != nil {
			return billing.Null[string]{}, false
		}
		if i == 0 || t.Compare(at) == dir {
			best, at = v, t
		}
	}
	return best, true
}

// compareNull orders strings with null first.
func compareNull(x, y billing.Null[string]) int {
	if x.Valid != y.Valid {
		if x.Valid {
			return 1
		}
		return -1
	}
	return strings.Compare(x.Value, y.Value)
}

// sameNull compares two values as the API meant them: numbers by value
// (9 and 9.0 are the same uplift), anything else exactly.
func sameNull[V string | bool | billing.Number](x, y billing.Null[V]) bool {
	if x.Valid != y.Valid {
		return false
	}
	xn, xNum := any(x.Value).(billing.Number)
	yn, yNum := any(y.Value).(billing.Number)
	if xNum && yNum && x.Valid {
		xr, okx := xn.Rat()
		yr, oky := yn.Rat()
		return okx && oky && xr.Cmp(yr) == 0
	}
	return x == y
}

// showNull writes a value for a message: null, a quoted string, a bool
// or a number.
func showNull[V string | bool | billing.Number](v billing.Null[V]) string {
	if !v.Valid {
		return "null"
	}
	switch x := any(v.Value).(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case billing.Number:
		return string(x)
	}
	return fmt.Sprint(v.Value)
}
