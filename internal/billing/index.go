package billing

import "context"

// AccountIndex is the organization's accounts with their lookups by id
// and by name, built once per listing: every talkdesk_account block of a
// run shares it instead of scanning the accounts.
type AccountIndex struct {
	accounts []Account
	byID     map[string]int
	byName   map[string]int
}

// ByID is the account with this id.
func (x *AccountIndex) ByID(id string) (*Account, bool) {
	i, ok := x.byID[id]
	if !ok {
		return nil, false
	}
	return &x.accounts[i], true
}

// ByName is the first account, in the API's order, with this name.
func (x *AccountIndex) ByName(name string) (*Account, bool) {
	i, ok := x.byName[name]
	if !ok {
		return nil, false
	}
	return &x.accounts[i], true
}

// Len is the number of accounts.
func (x *AccountIndex) Len() int { return len(x.accounts) }

func indexAccounts(accounts []Account) *AccountIndex {
	x := &AccountIndex{accounts: accounts, byID: make(map[string]int, len(accounts)), byName: make(map[string]int, len(accounts))}
	for i := range accounts {
		a := &accounts[i]
		if _, dup := x.byID[a.ID]; !dup {
			x.byID[a.ID] = i
		}
		if _, dup := x.byName[a.Name.Value]; a.Name.Valid && !dup {
			x.byName[a.Name.Value] = i
		}
	}
	return x
}

// AccountIndex returns the organization's accounts indexed by id and
// name, from this run's snapshot of the accounts listing. Its records are
// shared: callers must not modify them.
func (c *Client) AccountIndex(ctx context.Context) (*AccountIndex, error) {
	accounts, l, err := sharedListing[[]Account](ctx, c, endpointAccounts, "", nil)
	if err != nil {
		return nil, err
	}
	return derived(l, "accounts by id and name", accounts, indexAccounts), nil
}

// InvoiceIndex is every invoice line of the organization grouped by
// invoice number, built once per listing for the talkdesk_invoice lookups.
type InvoiceIndex struct {
	byNumber map[string][]InvoiceLine
}

// Lines are the lines of the invoice numbered number, in the API's order;
// nil when there is none. The slice is shared: callers must not modify it.
func (x *InvoiceIndex) Lines(number string) []InvoiceLine { return x.byNumber[number] }

// Len is the number of invoices.
func (x *InvoiceIndex) Len() int { return len(x.byNumber) }

func indexInvoices(lines []InvoiceLine) *InvoiceIndex {
	x := &InvoiceIndex{byNumber: map[string][]InvoiceLine{}}
	for _, l := range lines {
		if l.Number.Valid {
			x.byNumber[l.Number.Value] = append(x.byNumber[l.Number.Value], l)
		}
	}
	return x
}

// InvoiceIndex returns the invoice lines of every account grouped by
// invoice number, from this run's snapshot of the invoices listing.
func (c *Client) InvoiceIndex(ctx context.Context) (*InvoiceIndex, error) {
	lines, l, err := sharedListing[[]InvoiceLine](ctx, c, endpointInvoices, "", nil)
	if err != nil {
		return nil, err
	}
	return derived(l, "invoice lines by number", lines, indexInvoices), nil
}
