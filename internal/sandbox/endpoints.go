package sandbox

import (
	"cmp"
	"slices"
)

// Scopes, one per endpoint, as documented.
const (
	ScopeAccounts      = "express-accounts:read"
	ScopeProducts      = "express-products:read"
	ScopeSubscriptions = "express-accounts-subscriptions:read"
	ScopeInvoices      = "express-accounts-invoices:read"
	ScopeUsage         = "express-accounts-usage:read"
)

// AllScopes lists every scope the sandbox client holds; a token request
// without "scope" is granted all of them.
var AllScopes = []string{ScopeAccounts, ScopeProducts, ScopeSubscriptions, ScopeInvoices, ScopeUsage}

// endpoint describes one /express collection.
type endpoint struct {
	path       string
	scope      string
	collection string   // key under _embedded
	fields     []string // filterable fields
	// counters is false for usage, whose documented page body has no
	// count/page/per_page/total/total_pages and an extra "show" link.
	counters bool
	// page returns deep copies of the matching records in [offset,
	// offset+limit) and the number of matching records.
	page func(d *Dataset, f *filterNode, offset, limit int) (items any, total int)
}

var endpoints = map[string]*endpoint{
	"/express/accounts": {
		path: "/express/accounts", scope: ScopeAccounts, collection: "accounts", counters: true,
		page: func(d *Dataset, f *filterNode, off, lim int) (any, int) {
			return pageOf(d.Accounts, compileFilter(f, noFields[Account]), off, lim)
		},
	},
	"/express/products": {
		path: "/express/products", scope: ScopeProducts, collection: "products", counters: true,
		page: func(d *Dataset, f *filterNode, off, lim int) (any, int) {
			return pageOf(d.Products, compileFilter(f, noFields[Product]), off, lim)
		},
	},
	"/express/subscriptions": {
		path: "/express/subscriptions", scope: ScopeSubscriptions, collection: "subscriptions",
		fields: []string{"account_id"}, counters: true,
		page: func(d *Dataset, f *filterNode, off, lim int) (any, int) {
			return pageOf(d.Subscriptions, compileFilter(f, subscriptionField), off, lim)
		},
	},
	"/express/invoices": {
		path: "/express/invoices", scope: ScopeInvoices, collection: "invoices",
		fields: []string{"account_id"}, counters: true,
		page: func(d *Dataset, f *filterNode, off, lim int) (any, int) {
			return pageOf(d.Invoices, compileFilter(f, invoiceField), off, lim)
		},
	},
	"/express/usage/month": {
		path: "/express/usage/month", scope: ScopeUsage, collection: "usage",
		fields: []string{"account_id", "month"},
		page: func(d *Dataset, f *filterNode, off, lim int) (any, int) {
			return pageOf(d.Usage, compileFilter(f, usageField), off, lim)
		},
	},
}

// Field accessors for compiled filters. Field names are checked by the
// parser, so an accessor is only asked for a field its endpoint allows.
func noFields[T any](string) func(*T) string { return nil }

func subscriptionField(string) func(*Subscription) string {
	return func(s *Subscription) string { return s.AccountID }
}

func invoiceField(string) func(*InvoiceLine) string {
	return func(l *InvoiceLine) string { return l.AccountID }
}

func usageField(name string) func(*UsageRecord) string {
	if name == "month" {
		return func(u *UsageRecord) string { return u.Month }
	}
	return func(u *UsageRecord) string { return u.AccountID }
}

// pageOf returns deep copies of the matching rows in [offset, offset+limit)
// and the number of matching rows. Rows are already in serving order, so an
// unfiltered page is a slice; a filtered one is a single scan. The copies
// let the response be encoded after the data lock is released.
func pageOf[T interface{ clone() T }](rows []T, match func(*T) bool, offset, limit int) ([]T, int) {
	out := make([]T, 0, min(limit, 256))
	if match == nil {
		if offset < len(rows) {
			for _, r := range rows[offset:min(len(rows), offset+limit)] {
				out = append(out, r.clone())
			}
		}
		return out, len(rows)
	}
	total := 0
	for i := range rows {
		if !match(&rows[i]) {
			continue
		}
		if total >= offset && total-offset < limit {
			out = append(out, rows[i].clone())
		}
		total++
	}
	return out, total
}

// sortDataset puts every collection in the API's default order, id
// descending. Sorting is stable and skipped when already sorted, so Mutate
// stays cheap for small changes.
func sortDataset(d *Dataset) {
	d.Accounts = sortByIDDesc(d.Accounts, func(a *Account) string { return a.ID })
	d.ForeignAccounts = sortByIDDesc(d.ForeignAccounts, func(a *Account) string { return a.ID })
	d.Products = sortByIDDesc(d.Products, func(p *Product) string { return p.ID })
	d.Subscriptions = sortByIDDesc(d.Subscriptions, func(s *Subscription) string { return s.ID })
	d.Invoices = sortByIDDesc(d.Invoices, func(l *InvoiceLine) string { return l.ID })
	d.Usage = sortByIDDesc(d.Usage, func(u *UsageRecord) string { return u.ID })
}

// sortByIDDesc returns rows in id-descending order: rows itself when it is
// already sorted, otherwise a new slice.
func sortByIDDesc[T any](rows []T, id func(*T) string) []T {
	// Sort a permutation rather than the rows themselves: records are large
	// structs with pointers, and moving them around during the sort costs
	// far more than comparing their ids.
	ids := make([]string, len(rows))
	sorted := true
	for i := range rows {
		ids[i] = id(&rows[i])
		if i > 0 && ids[i] > ids[i-1] {
			sorted = false
		}
	}
	if sorted {
		return rows
	}
	perm := make([]int, len(rows))
	for i := range perm {
		perm[i] = i
	}
	// Ties keep their original order (a stable sort), via the index.
	slices.SortFunc(perm, func(a, b int) int {
		return cmp.Or(cmp.Compare(ids[b], ids[a]), cmp.Compare(a, b))
	})
	tmp := make([]T, len(rows))
	for i, j := range perm {
		tmp[i] = rows[j]
	}
	return tmp
}
