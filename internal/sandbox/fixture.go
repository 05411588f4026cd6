package sandbox

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// A fixture is a JSON document holding the records a test needs, served by
// the sandbox instead of its generated organization:
//
//	{
//	  "accounts":      [ {"id": "acme", "name": "acme", ...} ],
//	  "subscriptions": [ {"id": "s1", "account_id": "acme", "end_date": "now+30d", ...} ]
//	}
//
// Any of the five collections may appear (accounts, products,
// subscriptions, invoices, usage); each is an array of records with the
// API's own keys, or a whole page body as the API returns it (its
// _embedded records are taken), so a captured response can be pasted in.
// Every record needs an id, and the records of subscriptions, invoices and
// usage an account_id naming one of the accounts. Other keys may be left
// out: a nullable one is then null, any other its type's zero value (""
// for strings, 0, false). Dates may be absolute (RFC 3339, or YYYY-MM for
// usage months), served exactly as written, or relative to the moment the
// sandbox starts (see relativeDateHelp), served in the API's format.
//
// A fixture is checked completely before anything is served: every
// problem is reported at once, each naming the file, the line, the record
// and the field.

// FixtureCollections lists the collections a fixture may hold, in the
// order they are checked.
var FixtureCollections = []string{"accounts", "products", "subscriptions", "invoices", "usage"}

// maxFixtureErrors bounds the problems an error message lists.
const maxFixtureErrors = 50

// FixtureError is one problem in a fixture.
type FixtureError struct {
	File       string
	Line       int    // 1-based; 0 when unknown
	Collection string // "" for problems with the document itself
	Index      int    // the record's position in its collection, 0-based
	ID         string // the record's id, when it has a readable one
	Field      string // "" for problems with a whole record
	Problem    string

	offset int64 // for sorting problems into file order
}

func (e *FixtureError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Collection != "" {
		fmt.Fprintf(&b, "%s[%d]", e.Collection, e.Index)
		if e.ID != "" {
			fmt.Fprintf(&b, " (id %q)", e.ID)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Problem)
	return b.String()
}

// FixtureErrors is every problem found in one fixture, in file order.
type FixtureErrors []*FixtureError

func (es FixtureErrors) Error() string {
	lines := make([]string, 0, len(es)+1)
	lines = append(lines, fmt.Sprintf("fixture %s is invalid (%d problem%s); nothing is served:", es[0].File, len(es), plural(len(es))))
	for i, e := range es {
		if i == maxFixtureErrors {
			lines = append(lines, fmt.Sprintf("  ... and %d more", len(es)-i))
			break
		}
		lines = append(lines, "  "+e.Error())
	}
	return strings.Join(lines, "\n")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// LoadFixture reads the fixture at path and returns its data set, with
// relative dates resolved against now (the sandbox's start time; tests
// pass a fixed one). A non-nil error means nothing may be served; it is a
// FixtureErrors when the file could be read.
func LoadFixture(path string, now time.Time) (*Dataset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	return ParseFixture(path, data, now)
}

// ParseFixture is LoadFixture for a document already in memory; name is
// the file name used in errors.
func ParseFixture(name string, data []byte, now time.Time) (*Dataset, error) {
	p := &fixtureParser{file: name, data: data, now: now.UTC()}
	raw := p.collections()
	d := &Dataset{OrganizationName: DefaultOrganizationName}
	p.decode(raw, d)
	p.checkReferences(raw, d)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *FixtureError) int { return cmp.Compare(a.offset, b.offset) })
		return nil, p.errs
	}
	sortDataset(d)
	return d, nil
}

// fixtureParser collects problems while it walks the document.
type fixtureParser struct {
	file string
	data []byte
	now  time.Time
	errs FixtureErrors
}

// rawRecord is one record as written: its keys in order, with where it
// starts in the file.
type rawRecord struct {
	collection string
	index      int
	offset     int64
	id         string // when "id" is a string
	notObject  bool   // reported already; nothing to decode
	keys       []string
	keyOffsets []int64 // where each key is written
	values     []json.RawMessage
}

func (p *fixtureParser) fail(offset int64, r *rawRecord, field, format string, args ...any) {
	if r != nil && field != "" {
		if k := slices.Index(r.keys, field); k >= 0 {
			offset = r.keyOffsets[k]
		}
	}
	e := &FixtureError{File: p.file, Line: p.line(offset), Field: field, Problem: fmt.Sprintf(format, args...), offset: offset}
	if r != nil {
		e.Collection, e.Index, e.ID = r.collection, r.index, r.id
	}
	p.errs = append(p.errs, e)
}

// line returns the 1-based line of a byte offset.
func (p *fixtureParser) line(offset int64) int {
	if offset < 0 || offset > int64(len(p.data)) {
		return 0
	}
	return 1 + bytes.Count(p.data[:offset], []byte{'\n'})
}

// valueStart skips the white space, colons and commas a decoder's
// InputOffset leaves before the next value.
func (p *fixtureParser) valueStart(off int64) int64 { return skipSeparators(p.data, off) }

func skipSeparators(doc []byte, off int64) int64 {
	for off < int64(len(doc)) && strings.IndexByte(" \t\r\n:,", doc[off]) >= 0 {
		off++
	}
	return off
}

// collections reads the top-level object: collection name -> records.
func (p *fixtureParser) collections() map[string][]*rawRecord {
	out := map[string][]*rawRecord{}
	dec := json.NewDecoder(bytes.NewReader(p.data))
	if !p.delim(dec, '{', "the document must be a JSON object with any of the keys "+strings.Join(FixtureCollections, ", ")) {
		return out
	}
	for dec.More() {
		keyOff := p.valueStart(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			p.syntax(dec, err)
			return out
		}
		name, _ := tok.(string)
		start := p.valueStart(dec.InputOffset())
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			p.syntax(dec, err)
			return out
		}
		switch {
		case !slices.Contains(FixtureCollections, name):
			p.fail(keyOff, nil, "", "unknown collection %q (a fixture holds %s)%s", name, strings.Join(FixtureCollections, ", "), suggest(name, FixtureCollections))
		case out[name] != nil:
			p.fail(keyOff, nil, "", "collection %q appears twice", name)
		default:
			out[name] = p.records(name, start, value)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		p.syntax(dec, err)
		return out
	}
	if _, err := dec.Token(); err != io.EOF {
		p.fail(p.valueStart(dec.InputOffset()), nil, "", "unexpected content after the document's closing brace")
	}
	return out
}

// delim reads one delimiter token, reporting want when it is something else.
func (p *fixtureParser) delim(dec *json.Decoder, d json.Delim, want string) bool {
	off := p.valueStart(dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			p.fail(off, nil, "", "the file is empty; %s", want)
		} else {
			p.syntax(dec, err)
		}
		return false
	}
	if tok != d {
		p.fail(off, nil, "", "%s", want)
		return false
	}
	return true
}

// syntax reports a JSON syntax error at the decoder's position.
func (p *fixtureParser) syntax(dec *json.Decoder, err error) {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		p.fail(int64(len(p.data)), nil, "", "invalid JSON: the document ends too early")
		return
	}
	p.fail(off, nil, "", "invalid JSON: %v", err)
}

// pageKeys are the keys of an API page body besides _embedded.
var pageKeys = []string{"count", "page", "per_page", "total", "total_pages", "_links"}

// records turns a collection's value (an array of records, or a page
// body) into raw records. start is the value's offset in the file.
func (p *fixtureParser) records(name string, start int64, value json.RawMessage) []*rawRecord {
	out := []*rawRecord{} // non-nil: the collection is present
	switch value[0] {
	case '[':
		return p.recordArray(name, start, value)
	case '{':
	default:
		p.fail(start, nil, "", "collection %q must be an array of records (or an API page body), not %s", name, jsonKind(value))
		return out
	}
	// A page body: take _embedded.<name>; counters must agree, so that one
	// page of several is not taken for the whole collection.
	var page map[string]json.RawMessage
	if err := json.Unmarshal(value, &page); err != nil {
		p.fail(start, nil, "", "collection %q: %v", name, err)
		return out
	}
	for k := range page {
		if k != "_embedded" && !slices.Contains(pageKeys, k) {
			p.fail(start, nil, "", "collection %q is an object but not an API page body: unknown key %q (expected an array of records, or a page with _embedded.%s)", name, k, name)
			return out
		}
	}
	var embedded map[string]json.RawMessage
	if err := json.Unmarshal(page["_embedded"], &embedded); err != nil || embedded[name] == nil || len(embedded) != 1 {
		p.fail(start, nil, "", "collection %q: the page body must hold _embedded.%s and nothing else under _embedded", name, name)
		return out
	}
	inner := bytes.Index(value, embedded[name]) // raw values are sub-slices in document order
	recs := p.recordArray(name, start+int64(max(inner, 0)), embedded[name])
	var total, pages *int
	_ = json.Unmarshal(page["total"], &total)
	_ = json.Unmarshal(page["total_pages"], &pages)
	if (total != nil && *total != len(recs)) || (pages != nil && *pages > 1) || page["_links"] != nil && hasNextLink(page["_links"]) {
		p.fail(start, nil, "", "collection %q is one page of a longer response (it holds %d records); put the records of every page in one array", name, len(recs))
	}
	return recs
}

func hasNextLink(links json.RawMessage) bool {
	var l map[string]json.RawMessage
	return json.Unmarshal(links, &l) == nil && l["next"] != nil && string(l["next"]) != "null"
}

// recordArray splits an array of records.
func (p *fixtureParser) recordArray(name string, start int64, value json.RawMessage) []*rawRecord {
	out := []*rawRecord{}
	if value[0] != '[' {
		p.fail(start, nil, "", "_embedded.%s must be an array of records, not %s", name, jsonKind(value))
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	_, _ = dec.Token() // '[' (value is valid JSON: it was decoded whole)
	for i := 0; dec.More(); i++ {
		off := start + skipSeparators(value, dec.InputOffset())
		var rec json.RawMessage
		_ = dec.Decode(&rec)
		r := &rawRecord{collection: name, index: i, offset: off}
		out = append(out, r)
		if rec[0] != '{' {
			r.notObject = true
			p.fail(off, r, "", "a record must be a JSON object, not %s", jsonKind(rec))
			continue
		}
		p.recordKeys(r, rec)
	}
	return out
}

// recordKeys reads a record object's keys and values, in order, refusing
// a key written twice (encoding/json would silently keep the last).
func (p *fixtureParser) recordKeys(r *rawRecord, rec json.RawMessage) {
	dec := json.NewDecoder(bytes.NewReader(rec))
	_, _ = dec.Token() // '{'
	for dec.More() {
		off := r.offset + skipSeparators(rec, dec.InputOffset())
		tok, _ := dec.Token()
		key, _ := tok.(string)
		var v json.RawMessage
		_ = dec.Decode(&v)
		if slices.Contains(r.keys, key) {
			p.fail(off, r, "", "field %q is written twice in the same record", key)
			continue
		}
		r.keys = append(r.keys, key)
		r.keyOffsets = append(r.keyOffsets, off)
		r.values = append(r.values, v)
		if key == "id" {
			_ = json.Unmarshal(v, &r.id)
		}
	}
}

// jsonKind names the JSON type of a raw value, for error messages.
func jsonKind(v json.RawMessage) string {
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string (" + clip(string(v)) + ")"
	case 't', 'f':
		return "a boolean (" + string(v) + ")"
	case 'n':
		return "null"
	}
	return "a number (" + clip(string(v)) + ")"
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// suggest returns ` (did you mean "x"?)` when name is close to one of the
// known names.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
