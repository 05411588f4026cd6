package billing

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"
	"golang.org/x/time/rate"
)

func TestMain(m *testing.M) {
	if os.Getenv(envHostHelper) != "" {
		os.Exit(hostHelper())
	}
	// The host's shared pace files of these tests stay in a directory of
	// their own.
	tmp, err := os.MkdirTemp("", "billing-test")
	if err != nil {
		panic(err)
	}
	_ = os.Setenv("TMPDIR", tmp)
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		_ = os.RemoveAll(tmp)
		os.Exit(code)
	}))
}

// fakeRecord is one record the fake API serves, with the fields its
// filter evaluator needs.
type fakeRecord struct {
	id, account, month string
	raw                json.RawMessage
}

var collectionOf = map[string]string{
	endpointAccounts.path:      endpointAccounts.collection,
	endpointProducts.path:      endpointProducts.collection,
	endpointSubscriptions.path: endpointSubscriptions.collection,
	endpointInvoices.path:      endpointInvoices.collection,
	endpointUsage.path:         endpointUsage.collection,
}

// fakeAPI is an in-memory Billing Insights API with a token endpoint.
// Knobs are set before the client runs; hooks may change data while it
// runs (holding mu, see insertLocked).
type fakeAPI struct {
	t   testing.TB
	srv *httptest.Server

	clientID, clientSecret string
	expiresIn              int
	// jwtKey switches the token endpoint to private_key_jwt.
	jwtKey   *ecdsa.PublicKey
	jwtKeyID string
	// tokenHook may answer a token request itself (returns true).
	tokenHook func(w http.ResponseWriter, r *http.Request, n int) bool

	mu sync.Mutex
	// data holds the records of each endpoint path, in serving order.
	data map[string][]fakeRecord
	// orgOnly answers 403 to filters naming accounts not in /express/accounts.
	orgOnly bool
	// pageSize, when set, overrides the requested per_page.
	pageSize int
	// noFilter answers 400 naming the parameter to any filter.
	noFilter bool
	// maxPerPage, when set, answers 400 naming per_page to larger pages.
	maxPerPage int
	// noCounters lists paths served without count/total/total_pages.
	noCounters map[string]bool
	// showLink adds a `show` link (as the usage page documents).
	showLink bool
	// noLast leaves out the `last` link, so a client without counters
	// cannot know the page count up front.
	noLast bool
	// opaqueLinks adds a cursor parameter to next links, so they do not
	// follow the client's page-number pattern.
	opaqueLinks bool
	latency     time.Duration
	// hook runs first for every API request (n is 1-based); it may
	// answer the request itself (returns true) or change data.
	hook func(w http.ResponseWriter, r *http.Request, n int) bool
	// limiter, when set, answers 429 to requests beyond its pace.
	limiter *rate.Limiter

	tokens        map[string]bool
	tokenRequests int
	jtis          []string
	apiRequests   int
	arrivals      []time.Time
	filters       []string
	throttled     int
	inflight, max int
	pagesServed   int
	authHeaders   []string
}

func newFakeAPI(t testing.TB) *fakeAPI {
	t.Helper()
	f := &fakeAPI{
		t: t, clientID: "client-1", clientSecret: "s3cr3t-VALUE-42", expiresIn: 600,
		data: map[string][]fakeRecord{}, noCounters: map[string]bool{}, tokens: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/token", f.serveToken)
	mux.HandleFunc("/express/", f.serveAPI)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) tokenURL() string { return f.srv.URL + "/oauth/token" }

// config is the fast test configuration for this server.
func (f *fakeAPI) config() Config {
	return Config{
		APIBaseURL: f.srv.URL, TokenURL: f.tokenURL(),
		ClientID: f.clientID, ClientSecret: f.clientSecret,
		RequestsPerSecond: 1000, MaxRetries: 4,
		RetryPolicy: &RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 50 * time.Millisecond},
	}
}

// client builds a Client for this server; mod adjusts the config.
func (f *fakeAPI) client(mod func(*Config)) *Client {
	f.t.Helper()
	cfg := f.config()
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		f.t.Fatalf("New: %v", err)
	}
	f.t.Cleanup(c.http.CloseIdleConnections)
	return c
}

// setRecords stores items as the collection of path, in serving order.
func setRecords[T record](f *fakeAPI, path string, items []T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data[path] = toFake(f.t, items)
}

func toFake[T record](t testing.TB, items []T) []fakeRecord {
	out := make([]fakeRecord, len(items))
	for i := range items {
		raw, err := json.Marshal(items[i])
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		out[i] = fakeRecord{id: recordID(&items[i]), raw: raw}
		out[i].account, _ = recordAccountID(&items[i])
		if u, ok := any(&items[i]).(*Usage); ok {
			out[i].month = u.Month.Value
		}
	}
	return out
}

// setRaw stores raw JSON records (id taken from the record) for path.
func (f *fakeAPI) setRaw(path string, raws ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var recs []fakeRecord
	for _, r := range raws {
		var k struct {
			ID        string `json:"id"`
			AccountID string `json:"account_id"`
			Month     string `json:"month"`
		}
		if err := json.Unmarshal([]byte(r), &k); err != nil {
			f.t.Fatalf("raw record %s: %v", r, err)
		}
		recs = append(recs, fakeRecord{k.ID, k.AccountID, k.Month, json.RawMessage(r)})
	}
	f.data[path] = recs
}

// insertLocked inserts a record at position i of path; call with mu held (from a hook).
func insertLocked[T record](f *fakeAPI, path string, i int, item T) {
	rec := toFake(f.t, []T{item})[0]
	f.data[path] = slices.Insert(f.data[path], i, rec)
}

func (f *fakeAPI) revokeTokensLocked() { clear(f.tokens) }

func (f *fakeAPI) stats() (api, token int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apiRequests, f.tokenRequests
}

func (f *fakeAPI) arrivalTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.arrivals)
}

func (f *fakeAPI) receivedFilters() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.filters)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) serveToken(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.tokenRequests++
	n := f.tokenRequests
	f.mu.Unlock()
	if f.tokenHook != nil && f.tokenHook(w, r, n) {
		return
	}
	fail := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		fail(400, "invalid_request", "POST required")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(400, "invalid_request", err.Error())
		return
	}
	if got := r.PostForm.Get("grant_type"); got != "client_credentials" {
		fail(400, "unsupported_grant_type", "grant_type "+got)
		return
	}
	if f.jwtKey != nil {
		if err := f.checkAssertion(r); err != nil {
			fail(401, "invalid_client", err.Error())
			return
		}
	} else {
		id, secret, ok := r.BasicAuth()
		if ok {
			// oauth2 form-escapes the credentials before Basic encoding.
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
		}
		if !ok || id != f.clientID || secret != f.clientSecret {
			fail(401, "invalid_client", "bad client credentials")
			return
		}
	}
	if got, want := r.PostForm.Get("scope"), strings.Join(DefaultScopes, " "); got != want {
		fail(400, "invalid_scope", fmt.Sprintf("scope %q, want %q", got, want))
		return
	}
	tok := fmt.Sprintf("tok-%d", n)
	f.mu.Lock()
	f.tokens[tok] = true
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": f.expiresIn, "scope": r.PostForm.Get("scope")})
}

// checkAssertion verifies a private_key_jwt client assertion.
func (f *fakeAPI) checkAssertion(r *http.Request) error {
	if _, _, ok := r.BasicAuth(); ok {
		return fmt.Errorf("basic auth sent with a client assertion")
	}
	if got := r.PostForm.Get("client_assertion_type"); got != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return fmt.Errorf("client_assertion_type %q", got)
	}
	if r.PostForm.Has("client_secret") {
		return fmt.Errorf("client_secret sent with a client assertion")
	}
	var claims jwt.RegisteredClaims
	tok, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), &claims, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != f.jwtKeyID {
			return nil, fmt.Errorf("kid %q, want %q", kid, f.jwtKeyID)
		}
		return f.jwtKey, nil
	}, jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(f.tokenURL()), jwt.WithIssuer(f.clientID),
		jwt.WithSubject(f.clientID), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil || !tok.Valid {
		return fmt.Errorf("assertion: %v", err)
	}
	if claims.IssuedAt == nil || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 5*time.Minute {
		return fmt.Errorf("assertion lives longer than 5 minutes")
	}
	if claims.ID == "" {
		return fmt.Errorf("assertion without jti")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if slices.Contains(f.jtis, claims.ID) {
		return fmt.Errorf("jti %q reused", claims.ID)
	}
	f.jtis = append(f.jtis, claims.ID)
	return nil
}

func (f *fakeAPI) serveAPI(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.apiRequests++
	n := f.apiRequests
	f.arrivals = append(f.arrivals, time.Now())
	f.authHeaders = append(f.authHeaders, r.Header.Get("Authorization"))
	f.inflight++
	f.max = max(f.max, f.inflight)
	latency, lim, hook := f.latency, f.limiter, f.hook
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	if latency > 0 {
		time.Sleep(latency)
	}
	if lim != nil && !lim.Allow() {
		f.mu.Lock()
		f.throttled++
		f.mu.Unlock()
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"code": "1029", "message": "Too Many Requests"})
		return
	}
	if hook != nil && hook(w, r, n) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "1001", "message": "Unauthorized"})
		return
	}
	f.servePageLocked(w, r)
}

func (f *fakeAPI) servePageLocked(w http.ResponseWriter, r *http.Request) {
	recs, ok := f.data[r.URL.Path]
	if !ok {
		writeJSON(w, 404, map[string]string{"code": "1004", "message": "Not Found"})
		return
	}
	q := r.URL.Query()
	if expr := q.Get("filter"); expr != "" {
		f.filters = append(f.filters, expr)
		if f.noFilter {
			writeJSON(w, 400, map[string]any{"code": "1000", "message": "Bad Request",
				"fields": []map[string]string{{"name": "filter", "description": "unknown parameter"}}})
			return
		}
		if len(expr) > MaxFilterLength {
			writeJSON(w, 400, map[string]string{"code": "1000", "message": "Bad Request", "description": "filter too long"})
			return
		}
		node, err := parseFilter(expr)
		if err != nil {
			writeJSON(w, 400, map[string]string{"code": "1000", "message": "Bad Request", "description": err.Error()})
			return
		}
		if f.orgOnly {
			own := map[string]bool{}
			for _, a := range f.data[endpointAccounts.path] {
				own[a.id] = true
			}
			for _, id := range node.values(FieldAccountID) {
				if !own[id] {
					writeJSON(w, 403, map[string]any{"code": "1002", "message": "Forbidden",
						"description": "the accounts are not under the organization",
						"fields":      []map[string]string{{"name": "account_id"}}})
					return
				}
			}
		}
		var kept []fakeRecord
		fields := map[string]string{}
		for _, rec := range recs {
			fields[FieldAccountID], fields[FieldMonth] = rec.account, rec.month
			if node.eval(fields) {
				kept = append(kept, rec)
			}
		}
		recs = kept
	}
	num := intParam(q, "page", 1)
	per := min(intParam(q, "per_page", 50), 250)
	if f.maxPerPage > 0 && per > f.maxPerPage {
		writeJSON(w, 400, map[string]any{"code": "1000", "message": "Bad Request",
			"fields": []map[string]string{{"name": "per_page", "description": fmt.Sprintf("must be at most %d", f.maxPerPage)}}})
		return
	}
	if f.pageSize > 0 {
		per = f.pageSize
	}
	if num < 1 || per < 1 {
		writeJSON(w, 400, map[string]string{"code": "1000", "message": "Bad Request"})
		return
	}
	total := len(recs)
	pages := (total + per - 1) / per
	lo, hi := min((num-1)*per, total), min(num*per, total)
	items := make([]json.RawMessage, 0, hi-lo)
	for _, rec := range recs[lo:hi] {
		items = append(items, rec.raw)
	}
	f.pagesServed++
	link := func(p int) map[string]string {
		lq := url.Values{}
		for k, v := range q {
			lq[k] = v
		}
		lq.Set("page", strconv.Itoa(p))
		return map[string]string{"href": f.srv.URL + r.URL.Path + "?" + lq.Encode()}
	}
	links := map[string]any{"self": link(num), "first": link(1)}
	if !f.noLast {
		links["last"] = link(max(pages, 1))
	}
	if num < pages {
		next := link(num + 1)
		if f.opaqueLinks {
			next["href"] += "&cursor=c" + strconv.Itoa(num+1)
		}
		links["next"] = next
	}
	if num > 1 {
		links["prev"] = link(num - 1)
	}
	if f.showLink {
		links["show"] = map[string]string{"href": f.srv.URL + r.URL.Path + "/{id}"}
	}
	body := map[string]any{
		"page": num, "per_page": per,
		"_embedded": map[string]any{collectionOf[r.URL.Path]: items},
		"_links":    links,
	}
	if !f.noCounters[r.URL.Path] {
		body["count"], body["total"], body["total_pages"] = len(items), total, pages
	}
	writeJSON(w, 200, body)
}

func intParam(q url.Values, name string, def int) int {
	s := q.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// A tiny parser and evaluator of the filter grammar:
//
//	or   := and {"or" and}
//	and  := prim {"and" prim}
//	prim := "(" or ")" | field "eq" 'value'   ('' is a quote inside a value)
type filterNode struct {
	op           string // "or", "and", "eq"
	field, value string
	kids         []*filterNode
}

func parseFilter(s string) (*filterNode, error) {
	p := &filterParser{s: s}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if tok, _ := p.next(); tok != "" {
		return nil, fmt.Errorf("unexpected %q at %d", tok, p.pos)
	}
	return n, nil
}

type filterParser struct {
	s   string
	pos int
	// peeked token, if any
	tok    string
	quoted bool
	has    bool
}

// next returns the next token; quoted tokens are values (unescaped).
func (p *filterParser) next() (string, bool) {
	if p.has {
		p.has = false
		return p.tok, p.quoted
	}
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
	if p.pos >= len(p.s) {
		return "", false
	}
	switch c := p.s[p.pos]; c {
	case '(', ')':
		p.pos++
		return string(c), false
	case '\'':
		var b strings.Builder
		for i := p.pos + 1; i < len(p.s); i++ {
			if p.s[i] == '\'' {
				if i+1 < len(p.s) && p.s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				p.pos = i + 1
				return b.String(), true
			}
			b.WriteByte(p.s[i])
		}
		p.pos = len(p.s)
		return "\x00unterminated", false
	default:
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] != ' ' && p.s[p.pos] != '(' && p.s[p.pos] != ')' && p.s[p.pos] != '\'' {
			p.pos++
		}
		return p.s[start:p.pos], false
	}
}

func (p *filterParser) peek() (string, bool) {
	if !p.has {
		p.tok, p.quoted = p.next()
		p.has = true
	}
	return p.tok, p.quoted
}

func (p *filterParser) or() (*filterNode, error) {
	return p.chain("or", p.and)
}

func (p *filterParser) and() (*filterNode, error) {
	return p.chain("and", p.prim)
}

func (p *filterParser) chain(op string, sub func() (*filterNode, error)) (*filterNode, error) {
	first, err := sub()
	if err != nil {
		return nil, err
	}
	kids := []*filterNode{first}
	for {
		if tok, q := p.peek(); q || tok != op {
			break
		}
		p.next()
		k, err := sub()
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &filterNode{op: op, kids: kids}, nil
}

func (p *filterParser) prim() (*filterNode, error) {
	tok, q := p.next()
	if !q && tok == "(" {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if tok, q := p.next(); q || tok != ")" {
			return nil, fmt.Errorf("missing ) at %d", p.pos)
		}
		// Mark the group so that structure checks can see it.
		return &filterNode{op: "group", kids: []*filterNode{n}}, nil
	}
	if q || (tok != FieldAccountID && tok != FieldMonth) {
		return nil, fmt.Errorf("unknown field %q at %d", tok, p.pos)
	}
	if op, q := p.next(); q || op != "eq" {
		return nil, fmt.Errorf("want eq after %s, got %q", tok, op)
	}
	v, q := p.next()
	if !q {
		return nil, fmt.Errorf("want a quoted value after %s eq, got %q", tok, v)
	}
	return &filterNode{op: "eq", field: tok, value: v}, nil
}

func (n *filterNode) eval(rec map[string]string) bool {
	switch n.op {
	case "eq":
		return rec[n.field] == n.value
	case "group":
		return n.kids[0].eval(rec)
	case "and":
		for _, k := range n.kids {
			if !k.eval(rec) {
				return false
			}
		}
		return true
	default: // or
		for _, k := range n.kids {
			if k.eval(rec) {
				return true
			}
		}
		return false
	}
}

// values lists the values compared with field anywhere in the expression.
func (n *filterNode) values(field string) []string {
	if n.op == "eq" {
		if n.field == field {
			return []string{n.value}
		}
		return nil
	}
	var out []string
	for _, k := range n.kids {
		out = append(out, k.values(field)...)
	}
	return out
}

// conjunction reads an expression of the shape BuildFilters produces, a
// conjunction of disjunctions on one field each, as field -> values.
func (n *filterNode) conjunction() (map[string][]string, error) {
	terms := []*filterNode{n}
	if n.op == "and" {
		terms = n.kids
	}
	out := map[string][]string{}
	for _, t := range terms {
		var eqs []*filterNode
		switch {
		case t.op == "eq":
			eqs = []*filterNode{t}
		case t.op == "group" && t.kids[0].op == "or":
			eqs = t.kids[0].kids
		default:
			return nil, fmt.Errorf("term %q is neither an eq nor a parenthesized or", t.op)
		}
		field := eqs[0].field
		if _, dup := out[field]; dup {
			return nil, fmt.Errorf("field %s constrained twice", field)
		}
		for _, e := range eqs {
			if e.op != "eq" || e.field != field {
				return nil, fmt.Errorf("mixed disjunction")
			}
			out[field] = append(out[field], e.value)
		}
	}
	return out, nil
}
