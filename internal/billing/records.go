package billing

// The records below carry every field of the contract under its API key.
// Every field but id is a Null so that a null the API sends stays null;
// enums are plain strings so unknown values pass through unchanged.

// Account is a Talkdesk instance under the organization.
type Account struct {
	ID          string       `json:"id"`
	Name        Null[string] `json:"name"`
	CompanyName Null[string] `json:"company_name"`
	Status      Null[string] `json:"status"`
}

// Product is a price-book entry.
type Product struct {
	ID            string       `json:"id"`
	Name          Null[string] `json:"name"`
	Family        Null[string] `json:"family"`
	UnitOfMeasure Null[string] `json:"unit_of_measure"`
	ChargeType    Null[string] `json:"charge_type"`
}

// Subscription is one contract line.
type Subscription struct {
	ID               string       `json:"id"`
	AccountID        Null[string] `json:"account_id"`
	ContractNumber   Null[string] `json:"contract_number"`
	Currency         Null[string] `json:"currency"`
	BillingPeriod    Null[string] `json:"billing_period"`
	Status           Null[string] `json:"status"`
	Term             Null[string] `json:"term"`
	StartDate        Null[string] `json:"start_date"`
	EndDate          Null[string] `json:"end_date"`
	Edition          Null[string] `json:"edition"`
	AutoRenewal      Null[bool]   `json:"auto_renewal"`
	RenewalUplift    Null[Number] `json:"renewal_uplift"`
	ProductID        Null[string] `json:"product_id"`
	Quantity         Null[Number] `json:"quantity"`
	UnitPrice        Null[Number] `json:"unit_price"`
	BillingFrequency Null[string] `json:"billing_frequency"`
	PricingModel     Null[string] `json:"pricing_model"`
	Concurrent       Null[bool]   `json:"concurrent"`
	Seasonal         Null[bool]   `json:"seasonal"`
}

// InvoiceLine is one line of an invoice, as the invoices endpoint serves
// it: the invoice-level fields repeat on every line.
type InvoiceLine struct {
	ID                 string       `json:"id"`
	AccountID          Null[string] `json:"account_id"`
	Number             Null[string] `json:"number"`
	Date               Null[string] `json:"date"`
	Currency           Null[string] `json:"currency"`
	TotalInvoiceAmount Null[Number] `json:"total_invoice_amount"`
	ProductID          Null[string] `json:"product_id"`
	Description        Null[string] `json:"description"`
	Quantity           Null[Number] `json:"quantity"`
	Rate               Null[Number] `json:"rate"`
	Amount             Null[Number] `json:"amount"`
}

// Usage is a monthly usage aggregate per account and product. Listings
// hold usage as UsageRows; Usage is one row as a record.
type Usage struct {
	ID            string       `json:"id"`
	AccountID     Null[string] `json:"account_id"`
	ProductID     Null[string] `json:"product_id"`
	AggrProductID Null[string] `json:"aggr_product_id"`
	Month         Null[string] `json:"month"`
	Type          Null[string] `json:"type"`
	Description   Null[string] `json:"description"`
	Currency      Null[string] `json:"currency"`
	Direction     Null[string] `json:"direction"`
	Resolution    Null[string] `json:"resolution"`
	Unit          Null[string] `json:"unit"`
	Price         Null[Number] `json:"price"`
	WalletName    Null[string] `json:"wallet_name"`
	NumberOfUnits Null[Number] `json:"number_of_units"`
	TotalAmount   Null[Number] `json:"total_amount"`
}

// record is what the paging routine needs of every record type: an
// identity, to prove a collection has no duplicate.
type record interface {
	Account | Product | Subscription | InvoiceLine | Usage
}

func recordID[T record](r *T) string {
	switch v := any(r).(type) {
	case *Account:
		return v.ID
	case *Product:
		return v.ID
	case *Subscription:
		return v.ID
	case *InvoiceLine:
		return v.ID
	case *Usage:
		return v.ID
	}
	return ""
}

func recordAccountID[T record](r *T) (string, bool) {
	switch v := any(r).(type) {
	case *Subscription:
		return v.AccountID.Value, true
	case *InvoiceLine:
		return v.AccountID.Value, true
	case *Usage:
		return v.AccountID.Value, true
	}
	return "", false
}
