package billing

import "fmt"

// Deterministic record generators. Every few records carry nulls, zero
// values and number literals that a float64 would not keep.

func hexID(prefix string, i int) string { return fmt.Sprintf("%s%016x", prefix, i) }

func accountID(i int) string { return hexID("5ea75fe7", i) }

var numberLiterals = []Number{"0", "161.50", "0.1", "5", "1e3", "-0.00", "12345678901234567890.123456789", "9"}

func nullableNumber(i int) Null[Number] {
	if i%7 == 3 {
		return Null[Number]{}
	}
	return Of(numberLiterals[i%len(numberLiterals)])
}

func nullableString(i int, v string) Null[string] {
	switch i % 5 {
	case 1:
		return Null[string]{}
	case 2:
		return Of("")
	}
	return Of(v)
}

func genAccounts(n int) []Account {
	statuses := []string{"ACTIVE", "CHURNED", "IN_TRIAL", "SOMETHING_NEW"}
	out := make([]Account, n)
	for i := range out {
		out[i] = Account{ID: accountID(i), Name: Of(fmt.Sprintf("acct%d", i)),
			CompanyName: nullableString(i, fmt.Sprintf("Company %d Inc.", i)), Status: Of(statuses[i%len(statuses)])}
	}
	return out
}

func genProducts(n int) []Product {
	out := make([]Product, n)
	for i := range out {
		out[i] = Product{ID: fmt.Sprintf("TD-LIC-APP-RC-%06d", i), Name: Of(fmt.Sprintf("Product %d", i)),
			Family: nullableString(i, "LICENSE"), UnitOfMeasure: nullableString(i+1, "PER_SEAT"), ChargeType: nullableString(i+2, "RECURRING")}
	}
	return out
}

// genSubscriptions makes n subscriptions spread over accounts accounts.
func genSubscriptions(n, accounts int) []Subscription {
	out := make([]Subscription, n)
	for i := range out {
		var auto Null[bool]
		if i%3 != 0 {
			auto = Of(i%2 == 0)
		}
		out[i] = Subscription{
			ID: hexID("8f3e643c", i), AccountID: Of(accountID(i % accounts)), ContractNumber: Of(fmt.Sprintf("%08d", i)),
			Currency: Of("USD"), BillingPeriod: Of("ANNUAL"), Status: Of("ACTIVATED"), Term: Of("12"),
			StartDate: Of("2023-08-31T00:00:00.000Z"), EndDate: Of("2024-08-31T00:00:00.000Z"), Edition: nullableString(i, "Express"),
			AutoRenewal: auto, RenewalUplift: nullableNumber(i), ProductID: Of("TD-LIC-APP-RC-101910"),
			Quantity: nullableNumber(i + 1), UnitPrice: nullableNumber(i + 2), BillingFrequency: Of("MONTH"),
			PricingModel: Of("FIXED_FEE"), Concurrent: Of(false), Seasonal: Of(i%4 == 0),
		}
	}
	return out
}

func genInvoiceLines(n, accounts int) []InvoiceLine {
	out := make([]InvoiceLine, n)
	for i := range out {
		out[i] = InvoiceLine{
			ID: hexID("1a2b3c4d", i), AccountID: Of(accountID(i % accounts)), Number: Of(fmt.Sprintf("INV%08d", i/3)),
			Date: Of("2024-08-31T00:00:00.000Z"), Currency: Of("USD"), TotalInvoiceAmount: Of(Number("161.50")),
			ProductID: Of("TD-LIC-APP-RC-101910"), Description: nullableString(i, "08/16/2023 - 09/15/2023"),
			Quantity: nullableNumber(i), Rate: nullableNumber(i + 1), Amount: nullableNumber(i + 2),
		}
	}
	return out
}

// genUsage makes n usage rows over accounts accounts and the months of 2024.
func genUsage(n, accounts int) []Usage {
	types := []string{"CALL", "MESSAGE", "NUMBER", "BRAND_NEW_TYPE"}
	out := make([]Usage, n)
	for i := range out {
		out[i] = Usage{
			ID: hexID("77aa88bb", i), AccountID: Of(accountID(i % accounts)), ProductID: Of("TD-LIC-APP-RC-101910"),
			AggrProductID: Of("TD-USG-TEL-UG-102213"), Month: Of(fmt.Sprintf("2024-%02d", i/accounts%12+1)),
			Type: Of(types[i%len(types)]), Description: Of("SIP Number"), Currency: Of("USD"),
			Direction: nullableString(i, "INBOUND"), Resolution: nullableString(i+1, "ANSWERED"), Unit: Of("MINUTES"),
			Price: nullableNumber(i), WalletName: nullableString(i+2, "main"), NumberOfUnits: nullableNumber(i + 3),
			TotalAmount: nullableNumber(i + 4),
		}
	}
	return out
}

// usageRecords turns what Client.Usage returns into records, for tests
// that compare them with the records a server holds.
func usageRecords(rows *UsageRows, err error) ([]Usage, error) {
	if err != nil {
		return nil, err
	}
	return rows.Records(), nil
}
