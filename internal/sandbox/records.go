package sandbox

// Account is one Talkdesk instance, as served by GET /express/accounts.
type Account struct {
	ID          string `json:"id"`
	Name        string `json:"name"` // the instance's sub-domain, e.g. "acmeretail"
	CompanyName string `json:"company_name"`
	Status      string `json:"status"`
}

// Product is one price-book entry, as served by GET /express/products.
// Family, UnitOfMeasure and ChargeType are nullable in the contract, so they
// are pointers and a nil value is sent as JSON null.
type Product struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	Family        *string `json:"family"`
	UnitOfMeasure *string `json:"unit_of_measure"`
	ChargeType    *string `json:"charge_type"`
}

// Subscription is one contract line, as served by GET /express/subscriptions.
// Contract-level fields (contract number, currency, dates, term, renewal
// terms) are repeated on every line of a contract, as the API does.
type Subscription struct {
	ID               string   `json:"id"`
	AccountID        string   `json:"account_id"`
	ContractNumber   string   `json:"contract_number"`
	Currency         string   `json:"currency"`
	BillingPeriod    string   `json:"billing_period"`
	Status           string   `json:"status"`
	Term             string   `json:"term"`       // months, as a string, e.g. "12"
	StartDate        string   `json:"start_date"` // e.g. "2023-08-31T00:00:00.000Z"
	EndDate          string   `json:"end_date"`
	Edition          string   `json:"edition"`
	AutoRenewal      *bool    `json:"auto_renewal"`
	RenewalUplift    *float64 `json:"renewal_uplift"` // percent
	ProductID        string   `json:"product_id"`
	Quantity         float64  `json:"quantity"`
	UnitPrice        float64  `json:"unit_price"`
	BillingFrequency string   `json:"billing_frequency"`
	PricingModel     string   `json:"pricing_model"`
	Concurrent       bool     `json:"concurrent"`
	Seasonal         bool     `json:"seasonal"`
}

// InvoiceLine is one invoice line, as served by GET /express/invoices. The
// invoice itself (number, date, currency, total) is repeated on each line.
type InvoiceLine struct {
	ID                 string  `json:"id"`
	AccountID          string  `json:"account_id"`
	Number             string  `json:"number"` // e.g. "INV13098292", shared by the invoice's lines
	Date               string  `json:"date"`
	Currency           string  `json:"currency"`
	TotalInvoiceAmount float64 `json:"total_invoice_amount"` // sum of the invoice's line amounts
	ProductID          string  `json:"product_id"`
	Description        string  `json:"description"` // service period "MM/DD/YYYY - MM/DD/YYYY"
	Quantity           float64 `json:"quantity"`
	Rate               float64 `json:"rate"`
	Amount             float64 `json:"amount"` // Quantity * Rate, exactly
}

// UsageRecord is one monthly usage aggregate for an account and product, as
// served by GET /express/usage/month. Direction, Resolution and WalletName
// are nullable in the contract.
type UsageRecord struct {
	ID            string  `json:"id"`
	AccountID     string  `json:"account_id"`
	ProductID     string  `json:"product_id"`
	AggrProductID string  `json:"aggr_product_id"` // the usage group's aggregate product
	Month         string  `json:"month"`           // "YYYY-MM"
	Type          string  `json:"type"`
	Description   string  `json:"description"`
	Currency      string  `json:"currency"`
	Direction     *string `json:"direction"`
	Resolution    *string `json:"resolution"`
	Unit          string  `json:"unit"`
	Price         float64 `json:"price"` // per unit, up to 4 decimals
	WalletName    *string `json:"wallet_name"`
	NumberOfUnits float64 `json:"number_of_units"`
	TotalAmount   float64 `json:"total_amount"` // Price * NumberOfUnits rounded half up to cents
}

// Dataset is everything the sandbox serves. The server keeps each collection
// sorted by id descending (the API's default order); Mutate restores that
// order after the caller's changes.
type Dataset struct {
	// OrganizationID is the id of the organization that owns the OAuth
	// client (the reseller).
	OrganizationID string
	// OrganizationName is the organization's display name.
	OrganizationName string
	// Accounts are the instances under the organization.
	Accounts []Account
	// ForeignAccounts exist but belong to another organization: they are
	// never served and referenced by no other record; filtering by one of
	// them yields 403.
	ForeignAccounts []Account
	// Products is the price book.
	Products []Product
	// Subscriptions holds one row per contract line.
	Subscriptions []Subscription
	// Invoices holds one row per invoice line, as the API serves them.
	Invoices []InvoiceLine
	// Usage holds the monthly usage aggregates.
	Usage []UsageRecord
}

// clone returns a deep copy of d, including the values behind nullable
// pointers, so that a caller can change the copy without touching the
// server's data (and without racing with requests being served).
func (d *Dataset) clone() Dataset {
	out := Dataset{
		OrganizationID:   d.OrganizationID,
		OrganizationName: d.OrganizationName,
		Accounts:         append([]Account(nil), d.Accounts...),
		ForeignAccounts:  append([]Account(nil), d.ForeignAccounts...),
		Products:         make([]Product, len(d.Products)),
		Subscriptions:    make([]Subscription, len(d.Subscriptions)),
		Invoices:         append([]InvoiceLine(nil), d.Invoices...),
		Usage:            make([]UsageRecord, len(d.Usage)),
	}
	for i := range d.Products {
		out.Products[i] = d.Products[i].clone()
	}
	for i := range d.Subscriptions {
		out.Subscriptions[i] = d.Subscriptions[i].clone()
	}
	for i := range d.Usage {
		out.Usage[i] = d.Usage[i].clone()
	}
	return out
}

func (p Product) clone() Product {
	p.Family = clonePtr(p.Family)
	p.UnitOfMeasure = clonePtr(p.UnitOfMeasure)
	p.ChargeType = clonePtr(p.ChargeType)
	return p
}

func (s Subscription) clone() Subscription {
	s.AutoRenewal = clonePtr(s.AutoRenewal)
	s.RenewalUplift = clonePtr(s.RenewalUplift)
	return s
}

func (u UsageRecord) clone() UsageRecord {
	u.Direction = clonePtr(u.Direction)
	u.Resolution = clonePtr(u.Resolution)
	u.WalletName = clonePtr(u.WalletName)
	return u
}

// Account and InvoiceLine have no pointers; these keep the generic paging
// code uniform.
func (a Account) clone() Account         { return a } //nolint:unused // satisfies pageOf's constraint
func (l InvoiceLine) clone() InvoiceLine { return l } //nolint:unused // satisfies pageOf's constraint

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
