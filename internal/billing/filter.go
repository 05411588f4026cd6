package billing

import (
	"fmt"
	"strings"
	"time"
)

// Query narrows a listing. Every value set here is sent to the server as
// a filter expression and checked again on the records returned.
type Query struct {
	// AccountIDs selects records of these accounts.
	AccountIDs []string
	// Months (YYYY-MM) selects usage of these months.
	Months []string
	// Tap, if set, is told of the usage rows of a listing while its pages
	// arrive (see RowsTap).
	Tap RowsTap
}

// Filter fields the API accepts.
const (
	FieldAccountID = "account_id"
	FieldMonth     = "month"
)

// Quote renders a filter value literal, doubling embedded quotes.
func Quote(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

// Eq renders `field eq 'value'`.
func Eq(field, value string) string { return field + " eq " + Quote(value) }

// Or joins terms with `or`, parenthesized when there is more than one.
func Or(terms ...string) string {
	if len(terms) == 1 {
		return terms[0]
	}
	return "(" + strings.Join(terms, " or ") + ")"
}

// And joins the non-empty terms with `and`.
func And(terms ...string) string {
	var kept []string
	for _, t := range terms {
		if t != "" {
			kept = append(kept, t)
		}
	}
	return strings.Join(kept, " and ")
}

// Clause asks for records whose Field is one of Values.
type Clause struct {
	Field  string
	Values []string
}

// BuildFilters returns the fewest expressions, each at most maxLen
// characters, that together select exactly the records matching every
// clause: clauses too long for one expression are split into chunks and
// the chunks combined. Empty clauses are dropped; no clause gives nil.
func BuildFilters(maxLen int, clauses ...Clause) ([]string, error) {
	var cs []Clause
	for _, c := range clauses {
		if vs := uniqueStrings(c.Values); len(vs) > 0 {
			cs = append(cs, Clause{c.Field, vs})
		}
	}
	if len(cs) == 0 {
		return nil, nil
	}
	joiners := len(" and ") * (len(cs) - 1)
	// Give each clause a budget: clauses that fit in an equal share keep
	// their full length; the rest share what is left.
	budget := make([]int, len(cs))
	remaining, open := maxLen-joiners, len(cs)
	full := make([]int, len(cs))
	for i, c := range cs {
		full[i] = clauseLen(c.Field, c.Values)
	}
	for changed := true; changed; {
		changed = false
		for i := range cs {
			if budget[i] == 0 && open > 0 && full[i] <= remaining/open {
				budget[i], remaining, open, changed = full[i], remaining-full[i], open-1, true
			}
		}
	}
	for i := range cs {
		if budget[i] == 0 {
			budget[i] = remaining / open
		}
	}
	chunked := make([][]string, len(cs))
	for i, c := range cs {
		chunks, err := chunkClause(c, budget[i])
		if err != nil {
			return nil, err
		}
		chunked[i] = chunks
	}
	exprs := []string{""}
	for _, chunks := range chunked {
		var next []string
		for _, prefix := range exprs {
			for _, ch := range chunks {
				next = append(next, And(prefix, ch))
			}
		}
		exprs = next
	}
	return exprs, nil
}

// chunkClause splits one clause into Or-expressions of at most budget characters.
func chunkClause(c Clause, budget int) ([]string, error) {
	var out []string
	var cur []string
	for _, v := range c.Values {
		if l := clauseLen(c.Field, []string{v}); l > budget {
			return nil, fmt.Errorf("filter value %q is too long: a %s filter would exceed %d characters", v, c.Field, budget)
		}
		if len(cur) > 0 && clauseLen(c.Field, append(cur, v)) > budget {
			out = append(out, Or(termsOf(c.Field, cur)...))
			cur = nil
		}
		cur = append(cur, v)
	}
	if len(cur) > 0 {
		out = append(out, Or(termsOf(c.Field, cur)...))
	}
	return out, nil
}

func termsOf(field string, values []string) []string {
	ts := make([]string, len(values))
	for i, v := range values {
		ts[i] = Eq(field, v)
	}
	return ts
}

// clauseLen is len(Or(termsOf(field, values)...)) without building it.
func clauseLen(field string, values []string) int {
	n := 0
	for _, v := range values {
		n += len(field) + len(" eq ") + len(Quote(v))
	}
	if len(values) > 1 {
		n += len("()") + len(" or ")*(len(values)-1)
	}
	return n
}

func uniqueStrings(vs []string) []string {
	seen := make(map[string]struct{}, len(vs))
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}

// MonthsBetween lists the months from..to inclusive (YYYY-MM).
func MonthsBetween(from, to string) ([]string, error) {
	f, err := time.Parse("2006-01", from)
	if err != nil {
		return nil, fmt.Errorf("%q is not a month (YYYY-MM)", from)
	}
	t, err := time.Parse("2006-01", to)
	if err != nil {
		return nil, fmt.Errorf("%q is not a month (YYYY-MM)", to)
	}
	if f.After(t) {
		return nil, fmt.Errorf("month %s is after %s", from, to)
	}
	var out []string
	for m := f; !m.After(t); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out, nil
}
