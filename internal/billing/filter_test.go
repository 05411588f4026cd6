package billing

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// sortedByID returns a copy of items sorted by id.
func sortedByID[T record](items []T) []T {
	out := slices.Clone(items)
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(recordID(&a), recordID(&b)) })
	return out
}

// checkFilters checks that the server got more than one filter, each
// within the documented length.
func checkFilters(t *testing.T, f *fakeAPI) {
	t.Helper()
	filters := f.receivedFilters()
	distinct := map[string]bool{}
	for _, e := range filters {
		distinct[e] = true
		if len(e) > MaxFilterLength {
			t.Errorf("filter of %d characters sent: %.80s…", len(e), e)
		}
	}
	if len(distinct) < 2 {
		t.Errorf("the server got %d distinct filters, want several", len(distinct))
	}
}

func TestSubscriptionsOf150Accounts(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.pageSize = 100 // several pages per filter, too
	const nAccounts = 200
	data := genSubscriptions(2400, nAccounts)
	setRecords(f, endpointSubscriptions.path, data)
	var ids []string
	want := map[string]bool{}
	for i := 0; i < nAccounts; i++ {
		if i%4 != 3 { // 150 of the 200 accounts
			ids = append(ids, accountID(i))
			want[accountID(i)] = true
		}
	}
	if len(ids) != 150 {
		t.Fatalf("%d ids", len(ids))
	}
	// Repeated ids must not cause duplicates.
	q := Query{AccountIDs: append(slices.Clone(ids), ids[:10]...)}
	got, err := f.client(nil).Subscriptions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var expected []Subscription
	for _, s := range data {
		if want[s.AccountID.Value] {
			expected = append(expected, s)
		}
	}
	checkExact(t, sortedByID(got), sortedByID(expected))
	checkFilters(t, f)
}

func TestUsageOfAccountsAndMonths(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t)
	f.noCounters[endpointUsage.path] = true
	const nAccounts = 160
	data := genUsage(nAccounts*12*2, nAccounts) // two rows per account and month
	setRecords(f, endpointUsage.path, data)
	var ids []string
	for i := 5; i < 155; i++ {
		ids = append(ids, accountID(i))
	}
	months, err := MonthsBetween("2024-03", "2024-05")
	if err != nil {
		t.Fatal(err)
	}
	got, err := usageRecords(f.client(nil).Usage(context.Background(), Query{AccountIDs: ids, Months: months}))
	if err != nil {
		t.Fatal(err)
	}
	var expected []Usage
	for _, u := range data {
		if slices.Contains(ids, u.AccountID.Value) && slices.Contains(months, u.Month.Value) {
			expected = append(expected, u)
		}
	}
	if len(expected) != 150*3*2 {
		t.Fatalf("test data: %d expected records", len(expected))
	}
	checkExact(t, sortedByID(got), sortedByID(expected))
	checkFilters(t, f)
	for _, e := range f.receivedFilters() {
		if !strings.Contains(e, " and ") || !strings.Contains(e, "month eq '2024-04'") {
			t.Errorf("filter %.100s… does not narrow by month", e)
		}
	}
}

// TestServerIgnoringFilter: the client still returns only what was asked.
func TestServerIgnoringFilter(t *testing.T) {
	f := newFakeAPI(t)
	data := genInvoiceLines(100, 10)
	setRecords(f, endpointInvoices.path, data)
	f.hook = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		q := r.URL.Query()
		q.Del("filter")
		r.URL.RawQuery = q.Encode()
		return false
	}
	got, err := f.client(nil).InvoiceLines(context.Background(), Query{AccountIDs: []string{accountID(2), accountID(7)}})
	if err != nil {
		t.Fatal(err)
	}
	var expected []InvoiceLine
	for _, l := range data {
		if l.AccountID.Value == accountID(2) || l.AccountID.Value == accountID(7) {
			expected = append(expected, l)
		}
	}
	checkExact(t, got, expected)
}

func TestBuildFiltersShape(t *testing.T) {
	exprs, err := BuildFilters(MaxFilterLength, Clause{FieldAccountID, []string{"a", "o'b", "a"}}, Clause{FieldMonth, []string{"2024-01"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"(account_id eq 'a' or account_id eq 'o''b') and month eq '2024-01'"}
	if !slices.Equal(exprs, want) {
		t.Errorf("got %q, want %q", exprs, want)
	}
	if exprs, err := BuildFilters(MaxFilterLength, Clause{FieldAccountID, nil}); exprs != nil || err != nil {
		t.Errorf("empty clause: got %q, %v; want nil, nil", exprs, err)
	}
	if _, err := BuildFilters(MaxFilterLength, Clause{FieldAccountID, []string{strings.Repeat("x", MaxFilterLength)}}); err == nil {
		t.Error("a value longer than a filter was accepted")
	}
}

func TestMonthsBetween(t *testing.T) {
	got, err := MonthsBetween("2023-11", "2024-02")
	if want := []string{"2023-11", "2023-12", "2024-01", "2024-02"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	for _, bad := range [][2]string{{"2024-02", "2024-01"}, {"2024-13", "2024-14"}, {"2024", "2024-01"}} {
		if _, err := MonthsBetween(bad[0], bad[1]); err == nil {
			t.Errorf("MonthsBetween(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// TestFilterParameterRefused: the filter parameter's name is assumed; an
// API that refuses it is read unfiltered, the client keeps exactly the
// records asked for, and later reads of that endpoint send no filter.
func TestFilterParameterRefused(t *testing.T) {
	usage := genUsage(600, 20)
	f := newFakeAPI(t)
	f.noFilter = true
	setRecords(f, endpointUsage.path, usage)
	c := f.client(nil)
	accounts := []string{usage[0].AccountID.Value, usage[7].AccountID.Value}
	months := []string{usage[0].Month.Value}
	var want []Usage
	for _, u := range usage {
		if slices.Contains(accounts, u.AccountID.Value) && slices.Contains(months, u.Month.Value) {
			want = append(want, u)
		}
	}
	if len(want) == 0 {
		t.Fatal("the test data selects nothing")
	}
	for read := 1; read <= 2; read++ {
		f.mu.Lock()
		f.filters = nil
		f.mu.Unlock()
		got, err := usageRecords(c.Usage(context.Background(), Query{AccountIDs: accounts, Months: months}))
		if err != nil {
			t.Fatal(err)
		}
		checkExact(t, got, want)
		f.mu.Lock()
		sent := len(f.filters)
		f.mu.Unlock()
		if wantSent := map[int]int{1: 1, 2: 0}[read]; sent != wantSent {
			t.Errorf("read %d sent %d filters, want %d", read, sent, wantSent)
		}
	}
}
