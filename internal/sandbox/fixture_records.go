package sandbox

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dateKind says how a date field is written by the API.
type dateKind int

const (
	timestampDate dateKind = iota + 1 // RFC 3339, served as 2024-08-31T00:00:00.000Z when relative
	monthDate                         // YYYY-MM
)

// fixtureSchema describes the records of one collection: the record type
// (whose json tags are the API's keys; pointer fields are the nullable
// ones), whether records belong to an account, and which keys are dates.
type fixtureSchema struct {
	typ           reflect.Type
	accountScoped bool
	dates         map[string]dateKind
	keys          map[string]int // API key -> struct field index
	keyNames      []string       // in API order, for suggestions
}

var fixtureSchemas = map[string]*fixtureSchema{
	"accounts": newFixtureSchema(reflect.TypeFor[Account](), false, nil),
	"products": newFixtureSchema(reflect.TypeFor[Product](), false, nil),
	"subscriptions": newFixtureSchema(reflect.TypeFor[Subscription](), true,
		map[string]dateKind{"start_date": timestampDate, "end_date": timestampDate}),
	"invoices": newFixtureSchema(reflect.TypeFor[InvoiceLine](), true, map[string]dateKind{"date": timestampDate}),
	"usage":    newFixtureSchema(reflect.TypeFor[UsageRecord](), true, map[string]dateKind{"month": monthDate}),
}

func newFixtureSchema(typ reflect.Type, accountScoped bool, dates map[string]dateKind) *fixtureSchema {
	s := &fixtureSchema{typ: typ, accountScoped: accountScoped, dates: dates, keys: map[string]int{}}
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		s.keys[key] = i
		s.keyNames = append(s.keyNames, key)
	}
	return s
}

// decode turns every raw record into a typed one and stores the
// collections in d.
func (p *fixtureParser) decode(raw map[string][]*rawRecord, d *Dataset) {
	for _, name := range FixtureCollections {
		recs, ok := raw[name]
		if !ok {
			continue
		}
		schema := fixtureSchemas[name]
		switch name {
		case "accounts":
			d.Accounts = decodeAll[Account](p, schema, recs)
		case "products":
			d.Products = decodeAll[Product](p, schema, recs)
		case "subscriptions":
			d.Subscriptions = decodeAll[Subscription](p, schema, recs)
		case "invoices":
			d.Invoices = decodeAll[InvoiceLine](p, schema, recs)
		case "usage":
			d.Usage = decodeAll[UsageRecord](p, schema, recs)
		}
	}
}

// decodeAll decodes one collection's records into T, schema's type.
func decodeAll[T any](p *fixtureParser, schema *fixtureSchema, recs []*rawRecord) []T {
	rows := make([]T, len(recs))
	for i, r := range recs {
		p.decodeRecord(schema, r, reflect.ValueOf(&rows[i]).Elem())
	}
	return rows
}

// decodeRecord fills v from r, reporting every unknown key, wrong type,
// bad date and missing identifier.
func (p *fixtureParser) decodeRecord(schema *fixtureSchema, r *rawRecord, v reflect.Value) {
	if r.notObject {
		return // already reported
	}
	seen := map[string]bool{} // known keys written with a usable value
	for k, key := range r.keys {
		idx, ok := schema.keys[key]
		if !ok {
			p.fail(r.offset, r, key, "unknown field (a record of %s has %s)%s",
				r.collection, strings.Join(schema.keyNames, ", "), suggest(key, schema.keyNames))
			continue
		}
		if problem := p.decodeValue(schema, key, r.values[k], v.Field(idx)); problem != "" {
			p.fail(r.offset, r, key, "%s", problem)
			continue
		}
		seen[key] = true
	}
	required := []string{"id"}
	if schema.accountScoped {
		required = append(required, "account_id")
	}
	for _, key := range required {
		switch f := v.Field(schema.keys[key]); {
		case !seen[key] && slices.Contains(r.keys, key):
			// a wrong value, reported above
		case !seen[key]:
			p.fail(r.offset, r, key, "missing: every record of %s needs %s", r.collection, strings.Join(required, " and "))
		case f.String() == "":
			p.fail(r.offset, r, key, "must not be empty")
		}
	}
}

// decodeValue stores one JSON value in a record field, or returns what is
// wrong with it.
func (p *fixtureParser) decodeValue(schema *fixtureSchema, key string, raw json.RawMessage, f reflect.Value) string {
	nullable := f.Kind() == reflect.Pointer
	typ := f.Type()
	if nullable {
		typ = typ.Elem()
	}
	want := map[reflect.Kind]string{reflect.String: "a string", reflect.Float64: "a number", reflect.Bool: "a boolean"}[typ.Kind()]
	if kind, ok := schema.dates[key]; ok {
		want = map[dateKind]string{timestampDate: "an RFC 3339 date or a relative date", monthDate: "a month YYYY-MM or a relative date"}[kind]
	}
	if raw[0] == 'n' {
		if nullable {
			return ""
		}
		return "null, but the API never sends null here: want " + want
	}
	var val reflect.Value
	switch typ.Kind() {
	case reflect.String:
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return "want " + want + ", got " + jsonKind(raw)
		}
		if kind, ok := schema.dates[key]; ok {
			var problem string
			if s, problem = p.date(kind, s); problem != "" {
				return problem
			}
		}
		val = reflect.ValueOf(s)
	case reflect.Float64:
		if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
			return "want " + want + ", got " + jsonKind(raw)
		}
		x, problem := exactFloat(string(raw))
		if problem != "" {
			return problem
		}
		val = reflect.ValueOf(x)
	case reflect.Bool:
		if raw[0] != 't' && raw[0] != 'f' {
			return "want " + want + ", got " + jsonKind(raw)
		}
		val = reflect.ValueOf(raw[0] == 't')
	default:
		panic("sandbox: fixture field of unexpected type " + typ.String())
	}
	if nullable {
		ptr := reflect.New(typ)
		ptr.Elem().Set(val)
		val = ptr
	}
	f.Set(val)
	return ""
}

// date checks an absolute date (served as written) or resolves a relative
// one into the API's format.
func (p *fixtureParser) date(kind dateKind, s string) (string, string) {
	if isRelativeDate(s) {
		t, err := resolveRelativeDate(s, p.now)
		if err != nil {
			return "", fmt.Sprintf("%q is not a valid relative date: %v; %s", s, err, relativeDateHelp)
		}
		if kind == monthDate {
			return t.Format("2006-01"), ""
		}
		return timestamp(t), ""
	}
	switch kind {
	case monthDate:
		if _, err := time.Parse("2006-01", s); err != nil || len(s) != len("2006-01") {
			return "", fmt.Sprintf("%q is not a month: want YYYY-MM (e.g. 2024-03) or a relative date (e.g. now-1M)", s)
		}
	default:
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return "", fmt.Sprintf("%q is not an RFC 3339 date: want e.g. 2024-08-31T00:00:00.000Z or a relative date (e.g. now+30d)", s)
		}
	}
	return s, ""
}

// exactFloat parses a JSON number literal into the float64 the sandbox
// keeps, refusing one that float64 cannot hold exactly enough to serve it
// back with the same value (more than about 15 significant digits).
func exactFloat(lit string) (float64, string) {
	x, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return 0, fmt.Sprintf("%s is out of range for a number", clip(lit))
	}
	want, ok1 := new(big.Rat).SetString(lit)
	got, ok2 := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', -1, 64))
	if !ok1 || !ok2 || want.Cmp(got) != 0 {
		return 0, fmt.Sprintf("%s has more digits than the sandbox can serve back exactly (it would be served as %s); use at most 15 significant digits",
			clip(lit), strconv.FormatFloat(x, 'g', -1, 64))
	}
	return x, ""
}

// dataset returns the data set New serves: a copy of Data in serving
// order when set, else a generated one.
func (o Options) dataset() Dataset {
	if o.Data == nil {
		return generate(o)
	}
	d := o.Data.clone()
	sortDataset(&d)
	return d
}

// checkReferences reports duplicate ids within a collection and account
// ids that are not among the fixture's accounts.
func (p *fixtureParser) checkReferences(raw map[string][]*rawRecord, d *Dataset) {
	accounts := map[string]bool{}
	for _, a := range d.Accounts {
		accounts[a.ID] = true
	}
	for _, name := range FixtureCollections {
		first := map[string]int{}
		for _, r := range raw[name] {
			if r.id == "" {
				continue
			}
			if i, dup := first[r.id]; dup {
				p.fail(r.offset, r, "id", "duplicate id: %s[%d] has the same id; ids are unique within a collection", name, i)
				continue
			}
			first[r.id] = r.index
		}
		if !fixtureSchemas[name].accountScoped {
			continue
		}
		for _, r := range raw[name] {
			acct, ok := r.accountID()
			if !ok || acct == "" || accounts[acct] {
				continue
			}
			hint := "add an account with this id to accounts, or fix account_id"
			if _, has := raw["accounts"]; !has {
				hint = "the fixture has no accounts collection: add one with this id"
			}
			p.fail(r.offset, r, "account_id", "account %q is not in accounts (%s); the API serves only records of the organization's accounts", acct, hint)
		}
	}
}

// accountID returns the record's account_id when it is a string.
func (r *rawRecord) accountID() (string, bool) {
	for k, key := range r.keys {
		if key == "account_id" {
			var s string
			return s, json.Unmarshal(r.values[k], &s) == nil
		}
	}
	return "", false
}
