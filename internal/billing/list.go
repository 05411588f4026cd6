package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// endpoint describes one collection of the API.
type endpoint struct {
	path, collection string
	// filterFields are the fields the API filters this endpoint by.
	filterFields []string
}

var (
	endpointAccounts      = endpoint{"/express/accounts", "accounts", nil}
	endpointProducts      = endpoint{"/express/products", "products", nil}
	endpointSubscriptions = endpoint{"/express/subscriptions", "subscriptions", []string{FieldAccountID}}
	endpointInvoices      = endpoint{"/express/invoices", "invoices", []string{FieldAccountID}}
	endpointUsage         = endpoint{"/express/usage/month", "usage", []string{FieldAccountID, FieldMonth}}
)

// maxConsistentReads bounds how often a changing collection is re-read.
const maxConsistentReads = 3

// filterWorkers bounds the filter expressions of one listing read at once.
const filterWorkers = 4

// list is the one paging routine of the client: it reads every record of
// ep that q selects, one consistent listing per filter expression, merged
// without duplicates, in the API's order.
func list[S listed](ctx context.Context, c *Client, ep endpoint, q Query) (S, error) {
	var none S
	exprs, err := BuildFilters(MaxFilterLength, c.filterClauses(ep, q)...)
	if err != nil {
		return none, err
	}
	if len(exprs) == 0 {
		exprs = []string{""}
	} else if items, ok, err := fromWholeListing[S](ctx, c, ep, q); ok {
		return items, err
	}
	// One listing is the answer as it is (mergeSelected returns it whole
	// when the API applied the filter), so its rows may be tapped.
	var tap RowsTap
	if len(exprs) == 1 {
		tap = q.Tap
	}
	results := make([]S, len(exprs))
	err = forEach(ctx, len(exprs), filterWorkers, func(ctx context.Context, i int) error {
		items, _, err := sharedListing[S](ctx, c, ep, exprs[i], tap)
		results[i] = items
		return err
	})
	var api *APIError
	switch {
	case err != nil && exprs[0] != "" && errors.As(err, &api) && api.StatusCode == http.StatusBadRequest && api.names("filter"):
		// The parameter's name is not documented: an API that refuses it
		// is read whole, and the provider keeps the records asked for.
		c.filterRefused.Store(ep.path, true)
		c.retry.logWarn(ctx, "the API refused the filter parameter; reading unfiltered and filtering locally", map[string]any{"path": ep.path, "error": api.Error()})
		items, _, err := sharedListing[S](ctx, c, ep, "", nil)
		if err != nil {
			return none, err
		}
		return mergeSelected([]S{items}, q), nil
	case err != nil && errors.As(err, &api) && api.StatusCode == http.StatusForbidden && len(q.AccountIDs) > 0:
		return none, c.nameForeignAccounts(ctx, api, q.AccountIDs)
	case err != nil:
		return none, err
	}
	return mergeSelected(results, q), nil
}

// filterClauses are the clauses of q that ep's API filters by; none once
// the API refused the filter parameter (the records are then selected
// locally, by mergeSelected).
func (c *Client) filterClauses(ep endpoint, q Query) []Clause {
	if _, refused := c.filterRefused.Load(ep.path); refused {
		return nil
	}
	var clauses []Clause
	if slices.Contains(ep.filterFields, FieldAccountID) {
		clauses = append(clauses, Clause{FieldAccountID, q.AccountIDs})
	}
	if slices.Contains(ep.filterFields, FieldMonth) {
		clauses = append(clauses, Clause{FieldMonth, q.Months})
	}
	return clauses
}

// mergeSelected concatenates the listings without duplicates and keeps
// only the records q selects, so a server that ignored a filter still
// yields exactly the requested records. One listing that holds only
// selected records is returned as it is: shared, not copied.
func mergeSelected[S listed](results []S, q Query) S {
	n := 0
	for _, r := range results {
		n += view(r).Len()
	}
	accounts := setOf(q.AccountIDs)
	months := setOf(q.Months)
	if len(results) == 1 && allSelected(view(results[0]), accounts, months) {
		return results[0]
	}
	j := newJoiner[S](n)
	for _, items := range results {
		v := view(items)
		for i := range v.Len() {
			if selected(v, i, accounts, months) {
				j.Add(items, i)
			}
		}
	}
	out := j.Build()
	if len(results) == 1 {
		return out
	}
	dups := laterDuplicates(view(out))
	if len(dups) == 0 {
		return out
	}
	v := view(out)
	j = newJoiner[S](v.Len() - len(dups))
	for i := range v.Len() {
		if len(dups) > 0 && dups[0] == i {
			dups = dups[1:]
			continue
		}
		j.Add(out, i)
	}
	return j.Build()
}

// selected reports whether row i is among the accounts and months asked
// for (nil: any).
func selected(v rowsView, i int, accounts, months map[string]struct{}) bool {
	if accounts != nil {
		if id, ok := v.rowAccount(i); ok {
			if _, want := accounts[id]; !want {
				return false
			}
		}
	}
	if months != nil {
		if m, ok := v.rowMonth(i); ok {
			if _, want := months[m]; !want {
				return false
			}
		}
	}
	return true
}

func allSelected(v rowsView, accounts, months map[string]struct{}) bool {
	for i := range v.Len() {
		if !selected(v, i, accounts, months) {
			return false
		}
	}
	return true
}

func setOf(vs []string) map[string]struct{} {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(vs))
	for _, v := range vs {
		m[v] = struct{}{}
	}
	return m
}

// nameForeignAccounts returns the 403 with the requested ids that are not
// under the organization, found by listing its accounts; on failure the
// 403 stays as it is. The error may be shared by the waiters of one read,
// so a copy is annotated.
func (c *Client) nameForeignAccounts(ctx context.Context, api *APIError, requested []string) error {
	foreign, err := c.foreignAccounts(ctx, requested)
	if err != nil {
		return api
	}
	named := *api
	named.ForeignAccountIDs = foreign
	return &named
}

// foreignAccounts are the ids among requested that are not under the
// organization, in the order first requested.
func (c *Client) foreignAccounts(ctx context.Context, requested []string) ([]string, error) {
	index, err := c.AccountIndex(ctx)
	if err != nil {
		return nil, err
	}
	var foreign []string
	for _, id := range uniqueStrings(requested) {
		if _, ok := index.ByID(id); !ok {
			foreign = append(foreign, id)
		}
	}
	return foreign, nil
}

// pageSizes are the page sizes tried, largest first: 250 is documented
// for usage only, so an endpoint that refuses it is asked for less.
var pageSizes = []int{PageSize, 100, 50}

// perPage is the page size used for ep.
func (c *Client) perPage(ep endpoint) int {
	if v, ok := c.pageSizes.Load(ep.path); ok {
		if n, ok := v.(int); ok {
			return n
		}
	}
	return PageSize
}

// smallerPages lowers ep's page size when err is the API refusing the
// per_page parameter; false when it is another error or the smallest
// size was refused already.
func (c *Client) smallerPages(ctx context.Context, ep endpoint, err error) bool {
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusBadRequest || !api.names("per_page") {
		return false
	}
	current := c.perPage(ep)
	for _, n := range pageSizes {
		if n < current {
			// Concurrent reads may race here; any of them settles the same way.
			c.pageSizes.Store(ep.path, n)
			c.retry.logWarn(ctx, "the API refused the page size; asking for smaller pages", map[string]any{"path": ep.path, "per_page": n, "refused": current})
			return true
		}
	}
	return false
}

// readCollection reads one filtered collection completely and
// consistently, re-reading it when it changed underneath. told, if not
// nil, is told of usage rows as their pages are joined (see RowsTap).
func readCollection[S listed](ctx context.Context, c *Client, ep endpoint, filter string, told func(*UsageRows)) (S, error) {
	var none S
	detail, started := "", false
	for read := 1; read <= maxConsistentReads; read++ {
		if started && told != nil {
			told(nil) // the rows told so far are not the answer
		}
		started = true
		items, changed, err := readOnce[S](ctx, c, ep, filter, told)
		if err != nil && c.smallerPages(ctx, ep, err) {
			read--
			continue
		}
		if err != nil {
			return none, err
		}
		if changed == "" {
			return items, nil
		}
		detail = changed
		c.retry.logWarn(ctx, "collection changed while being read; reading it again", map[string]any{"path": ep.path, "filter": filter, "detail": changed, "read": read})
	}
	return none, &CollectionChangedError{Path: ep.path, Reads: maxConsistentReads, Detail: detail}
}

// readOnce reads every page once. changed is non-empty when the pages
// contradict each other (the collection changed during the read).
func readOnce[S listed](ctx context.Context, c *Client, ep endpoint, filter string, told func(*UsageRows)) (items S, changed string, err error) {
	first, err := fetchPage[S](ctx, c, ep, c.pageURL(ep, filter, 1))
	if err != nil {
		return items, "", err
	}
	perFirst := view(first.Embedded.items).Len()
	var asm *assembly[S]
	if n, perPage, ok := first.plan(c.perPage(ep)); ok {
		asm = newAssembly(told, first.Embedded.items, *first.Total)
		changed, err = fetchPagesConcurrently(ctx, c, ep, filter, asm, max(n, 1), countedPage(first, n, perPage))
	} else if n, ok := lastPageNumber(c, ep, filter, first); ok {
		asm = newAssembly(told, first.Embedded.items, n*perFirst)
		changed, err = fetchPagesConcurrently(ctx, c, ep, filter, asm, n, linkedPage(first, n))
	} else if c.isPageLink(first.Links.Next.href(), ep, filter, 2) {
		asm = newAssembly(told, first.Embedded.items, perFirst)
		changed, err = fetchPagesSpeculatively(ctx, c, ep, filter, first, asm)
	} else {
		asm = newAssembly(told, first.Embedded.items, perFirst)
		changed, err = followNextLinks(ctx, c, ep, first, first, asm)
	}
	if err != nil || changed != "" {
		return items, changed, err
	}
	items, total := asm.build()
	if first.Total != nil && *first.Total != total {
		var none S
		return none, fmt.Sprintf("the first page announced %d records, the pages held %d", *first.Total, total), nil
	}
	if dups := laterDuplicates(view(items)); len(dups) > 0 {
		var none S
		return none, fmt.Sprintf("record %q appeared twice", view(items).rowID(dups[0])), nil
	}
	return items, "", nil
}

// assembly joins the pages of one read in page order as they arrive, so
// that a page is held apart only until the pages before it have arrived,
// and the read never holds its records twice.
type assembly[S listed] struct {
	mu sync.Mutex
	// next is the number of the page to join next.
	next    int
	pending map[int]S
	joined  joiner[S]
	rows    int
	// tell, for usage read for taps, tells them the rows joined so far.
	tell func()
}

// newAssembly starts with page 1, room made for about rows records.
func newAssembly[S listed](told func(*UsageRows), first S, rows int) *assembly[S] {
	a := &assembly[S]{next: 1, pending: map[int]S{}, joined: newJoiner[S](rows)}
	if b, ok := any(a.joined).(*UsageRowsBuilder); ok {
		if like, ok := any(first).(*UsageRows); ok {
			b.reserveLike(like, rows)
		}
		if told != nil {
			a.tell = func() { told(b.Sofar()) }
		}
	}
	a.put(1, first)
	return a
}

// put hands over page num.
func (a *assembly[S]) put(num int, items S) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending[num] = items
	joined := false
	for {
		p, ok := a.pending[a.next]
		if !ok {
			break
		}
		delete(a.pending, a.next)
		a.joined.AddAll(p)
		a.rows += view(p).Len()
		a.next++
		joined = true
	}
	if joined && a.tell != nil {
		a.tell()
	}
}

// build is the records of the pages joined, and how many there are.
func (a *assembly[S]) build() (S, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.joined.Build(), a.rows
}

// pageCheck says how page num contradicts what the first page announced,
// or "" when it fits.
type pageCheck[S listed] func(num int, p *page[S]) string

// countedPage checks pages against the first page's total and page count.
func countedPage[S listed](first *page[S], n, perPage int) pageCheck[S] {
	total := *first.Total
	return func(num int, p *page[S]) string {
		want := min(perPage, total-(num-1)*perPage)
		switch got := view(p.Embedded.items).Len(); {
		case p.Total != nil && *p.Total != total:
			return fmt.Sprintf("page %d announced %d records, page 1 announced %d", num, *p.Total, total)
		case p.TotalPages != nil && *p.TotalPages != n:
			return fmt.Sprintf("page %d announced %d pages, page 1 announced %d", num, *p.TotalPages, n)
		case got != want:
			return fmt.Sprintf("page %d held %d records, %d expected", num, got, want)
		}
		return ""
	}
}

// linkedPage checks pages of a collection without counters whose page
// count came from the last link: every page but the last is as full as
// the first, and the next links chain exactly up to the last page.
func linkedPage[S listed](first *page[S], n int) pageCheck[S] {
	size := view(first.Embedded.items).Len()
	return func(num int, p *page[S]) string {
		got := view(p.Embedded.items).Len()
		hasNext := p.Links.Next.href() != ""
		switch {
		case num < n && got != size:
			return fmt.Sprintf("page %d held %d records, page 1 held %d", num, got, size)
		case num == n && (got == 0 || got > size):
			return fmt.Sprintf("the last page (%d) held %d records", num, got)
		case num < n && !hasNext, num == n && hasNext:
			return fmt.Sprintf("page %d's next link disagrees with the last link (page %d)", num, n)
		case p.Links.Last.href() != first.Links.Last.href():
			return fmt.Sprintf("page %d's last link moved", num)
		}
		return ""
	}
}

// lastPageNumber reads the page count from the first page's last link when
// it follows this client's page-number pattern.
func lastPageNumber[S listed](c *Client, ep endpoint, filter string, first *page[S]) (int, bool) {
	href := first.Links.Last.href()
	if href == "" || view(first.Embedded.items).Len() == 0 {
		return 0, false
	}
	abs, err := c.resolveLink(href)
	if err != nil {
		return 0, false
	}
	u, err := url.Parse(abs)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(u.Query().Get("page"))
	if err != nil || n < 1 || !c.isPageLink(href, ep, filter, n) {
		return 0, false
	}
	if (n == 1) != (first.Links.Next.href() == "") {
		return 0, false
	}
	return n, true
}

// fetchPagesConcurrently fetches pages 2..n under the limiter, checks
// each against what the first page announced and hands it to asm.
func fetchPagesConcurrently[S listed](ctx context.Context, c *Client, ep endpoint, filter string, asm *assembly[S], n int, check pageCheck[S]) (string, error) {
	var mu sync.Mutex
	changed := ""
	err := forEach(ctx, n-1, c.pageWorkers, func(ctx context.Context, i int) error {
		num := i + 2
		p, err := fetchPage[S](ctx, c, ep, c.pageURL(ep, filter, num))
		if err != nil {
			return err
		}
		if why := check(num, p); why != "" {
			mu.Lock()
			changed = why
			mu.Unlock()
			return errCollectionChanged
		}
		asm.put(num, p.Embedded.items)
		return nil
	})
	if errors.Is(err, errCollectionChanged) {
		return changed, nil
	}
	return "", err
}

var errCollectionChanged = errors.New("collection changed")

// followNextLinks reads the pages after from by following _links.next,
// handing them to asm; from is page number asm.next-1.
func followNextLinks[S listed](ctx context.Context, c *Client, ep endpoint, first, from *page[S], asm *assembly[S]) (string, error) {
	seen := map[string]bool{}
	p := from
	for p.Links.Next != nil && p.Links.Next.Href != "" {
		next, err := c.resolveLink(p.Links.Next.Href)
		if err != nil {
			return "", err
		}
		if seen[next] {
			return "", fmt.Errorf("GET %s: the API's next links loop back to %s", c.pageURL(ep, "", 1), next)
		}
		seen[next] = true
		np, err := fetchPage[S](ctx, c, ep, next)
		if err != nil {
			return "", err
		}
		if why := disagrees(first, np); why != "" {
			return why, nil
		}
		asm.put(asm.next, np.Embedded.items)
		p = np
	}
	return "", nil
}

// disagrees says how a later page contradicts the first one, if it does.
func disagrees[S listed](first, p *page[S]) string {
	if first.Total != nil && p.Total != nil && *p.Total != *first.Total {
		return fmt.Sprintf("a later page announced %d records, page 1 announced %d", *p.Total, *first.Total)
	}
	return ""
}

// fetchPagesSpeculatively reads a collection whose page count is unknown
// but whose next links follow the page-number pattern: it requests
// windows of upcoming pages concurrently (doubling the window, like TCP
// slow start, so short collections waste little) and keeps pages only
// while each page's next link names the following one. Pages fetched
// past the last one are discarded, errors included.
func fetchPagesSpeculatively[S listed](ctx context.Context, c *Client, ep endpoint, filter string, first *page[S], asm *assembly[S]) (string, error) {
	type fetched struct {
		p   *page[S]
		err error
	}
	num, window := 2, 2
	for {
		got := make([]fetched, window)
		_ = forEach(ctx, window, c.pageWorkers, func(ctx context.Context, i int) error {
			got[i].p, got[i].err = fetchPage[S](ctx, c, ep, c.pageURL(ep, filter, num+i))
			return nil // a page past the end may fail; only needed pages' errors count
		})
		if err := ctx.Err(); err != nil {
			return "", contextErr(ctx, err)
		}
		for i, f := range got {
			if f.err != nil {
				return "", f.err // the previous page's next link says this page exists
			}
			if why := disagrees(first, f.p); why != "" {
				return why, nil
			}
			asm.put(num+i, f.p.Embedded.items)
			next := f.p.Links.Next
			if next == nil || next.Href == "" {
				return "", nil
			}
			if !c.isPageLink(next.Href, ep, filter, num+i+1) {
				return followNextLinks(ctx, c, ep, first, f.p, asm)
			}
		}
		num += window
		window = min(window*2, 2*c.pageWorkers)
	}
}

// isPageLink reports whether href is exactly the URL this client builds
// for page num, so the page can be requested before the link is seen.
func (c *Client) isPageLink(href string, ep endpoint, filter string, num int) bool {
	abs, err := c.resolveLink(href)
	if err != nil {
		return false
	}
	got, err1 := url.Parse(abs)
	want, err2 := url.Parse(c.pageURL(ep, filter, num))
	if err1 != nil || err2 != nil || got.Path != want.Path {
		return false
	}
	gq, wq := got.Query(), want.Query()
	if len(gq) != len(wq) {
		return false
	}
	for k, v := range wq {
		if !slices.Equal(gq[k], v) {
			return false
		}
	}
	return true
}

// resolveLink turns an href into an absolute URL on the configured API
// host. A link to another host (a gateway's public name, say) keeps its
// path and query but goes to the configured host: the bearer token never
// leaves the API it was configured for.
func (c *Client) resolveLink(href string) (string, error) {
	u, err := c.baseURL.Parse(href)
	if err != nil {
		return "", fmt.Errorf("the API sent an invalid link %q: %w", href, err)
	}
	if u.Host == c.baseURL.Host && u.Scheme == c.baseURL.Scheme {
		return u.String(), nil
	}
	r := *c.baseURL
	r.Path = u.Path
	if base := strings.TrimRight(c.baseURL.Path, "/"); !strings.HasPrefix(u.Path, base+"/") {
		r.Path = base + u.Path
	}
	r.RawPath, r.RawQuery, r.Fragment = "", u.RawQuery, ""
	return r.String(), nil
}

func (c *Client) pageURL(ep endpoint, filter string, num int) string {
	u := *c.baseURL
	u.Path = c.baseURL.Path + ep.path
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	q.Set("page", strconv.Itoa(num))
	q.Set("per_page", strconv.Itoa(c.perPage(ep)))
	u.RawQuery = q.Encode()
	return u.String()
}

// forEach runs fn for 0..n-1 with at most workers at once. The first error
// cancels the rest; it returns after every started call has returned, so
// no goroutine outlives it.
func forEach(ctx context.Context, n, workers int, fn func(context.Context, int) error) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     int
	)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := firstErr != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel(err)
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
