package sandbox

import (
	"fmt"
	"strconv"
	"time"
)

// subscriptions makes SubscriptionsPerAccount contract lines per account,
// grouped into a few contracts that share the contract-level fields. End
// dates spread over the two years after Now, with several contracts ending
// within 60 days (some of those not auto-renewing), which is what renewal
// reports built on this data need to find.
func (g *generator) subscriptions(accounts []Account) []Subscription {
	perAccount := g.o.SubscriptionsPerAccount
	contractNo := g.between(10000, 30000)
	var out []Subscription
	nearForced := 0
	currencies := g.stratified(accountCurrencies, len(accounts))
	for ai, acct := range accounts {
		cur := currencies[ai]
		g.currency[acct.ID] = cur
		if perAccount == 0 || len(g.fixed) == 0 {
			continue
		}
		contracts := max(1, (perAccount+4)/5)
		for c := 0; c < contracts; c++ {
			lo, hi := c*perAccount/contracts, (c+1)*perAccount/contracts
			if lo == hi {
				continue
			}
			contractNo += g.between(1, 23)
			near := g.chance(0.25)
			if c == 0 && ai < 4 && nearForced < 3 {
				near = true // guarantee "several" contracts close to renewal
			}
			var endOffset int64
			if near {
				endOffset = g.between(1, 60)
			} else {
				endOffset = g.between(61, 730)
			}
			end := g.o.Now.AddDate(0, 0, int(endOffset))
			term := contractTerms[g.rng.IntN(len(contractTerms))]
			for addMonths(end, -term).After(g.o.Now) {
				term += 12
			}
			start := addMonths(end, -term)

			var autoRenew *bool
			switch r := g.rng.IntN(100); {
			case r < 60:
				autoRenew = ptr(true)
			case r < 85:
				autoRenew = ptr(false)
			}
			if near && c == 0 && ai < 4 {
				// Make sure the near-renewal set contains both a false
				// and a null auto_renewal.
				switch nearForced {
				case 0:
					autoRenew = ptr(false)
				case 1:
					autoRenew = nil
				}
				nearForced++
			}
			var uplift *float64
			if !g.chance(0.3) {
				uplift = ptr(renewalUplifts[g.rng.IntN(len(renewalUplifts))])
			}
			head := Subscription{
				AccountID:      acct.ID,
				ContractNumber: fmt.Sprintf("%08d", contractNo),
				Currency:       cur,
				BillingPeriod:  g.pick(billingPeriods),
				Status:         g.pick(contractStatuses),
				Term:           strconv.Itoa(term),
				StartDate:      timestamp(start),
				EndDate:        timestamp(end),
				Edition:        g.pick(editions),
				AutoRenewal:    autoRenew,
				RenewalUplift:  uplift,
			}
			used := map[int]bool{}
			for l := lo; l < hi; l++ {
				out = append(out, g.subscriptionLine(head, l == lo, used))
			}
		}
	}
	return out
}

// subscriptionLine fills the line-level fields of one contract line. The
// first line of a contract is a license (the seats); the others are any
// fixed product not yet on the contract, when possible.
func (g *generator) subscriptionLine(head Subscription, first bool, used map[int]bool) Subscription {
	idx := -1
	if first {
		for try := 0; try < 8 && idx < 0; try++ {
			if i := g.rng.IntN(len(g.fixed)); g.fixed[i].kind == kindLicense {
				idx = i
			}
		}
	}
	for try := 0; idx < 0 || (used[idx] && try < 16); try++ {
		idx = g.rng.IntN(len(g.fixed))
	}
	used[idx] = true
	p := g.fixed[idx]

	var qty int64
	switch p.kind {
	case kindLicense:
		qty = g.between(5, 300)
	case kindService:
		qty = g.between(1, 3) // packages
		if p.UnitOfMeasure != nil && *p.UnitOfMeasure == "PER_USE" {
			qty = g.between(10, 120) // hours
		}
	default:
		qty = g.between(1, 50)
	}
	if p.UnitOfMeasure != nil && *p.UnitOfMeasure == "PER_ACCOUNT" {
		qty = 1
	}
	// Negotiated price: list price less a discount of up to 20%, in cents.
	cents := max(1, p.priceCents*(100-g.between(0, 20))/100)

	s := head.clone()
	s.ID = g.recordID()
	s.ProductID = p.ID
	s.Quantity = float64(qty)
	s.UnitPrice = fromCents(cents)
	s.BillingFrequency = head.BillingPeriod
	if g.chance(0.15) {
		s.BillingFrequency = g.pick(billingPeriods)
	}
	s.PricingModel = g.pick(pricingModels)
	if p.kind == kindService && g.chance(0.5) {
		s.PricingModel = "TIME_AND_MATERIALS"
	}
	s.Concurrent = p.kind == kindLicense && g.chance(0.1)
	s.Seasonal = g.chance(0.05)
	g.lines[s.AccountID] = append(g.lines[s.AccountID], s)
	g.subCents[s.ID] = cents
	return s
}

// invoiceLineRef is what an invoice line bills: a product, a whole
// quantity and a rate in cents, plus the day of month its service period
// starts on.
type invoiceLineRef struct {
	productID string
	qty       int64
	cents     int64
	startDay  int
}

// invoices makes InvoicesPerAccount monthly invoices per account, dated at
// the ends of the months before Now, each with 2 to 6 lines taken from the
// account's subscriptions. Amounts are computed in cents so that every line
// amount is exactly quantity * rate and every total exactly the sum of its
// lines.
func (g *generator) invoices(accounts []Account) []InvoiceLine {
	if g.o.InvoicesPerAccount == 0 || len(g.fixed) == 0 {
		return nil
	}
	number := g.between(10000000, 13000000)
	var out []InvoiceLine
	for _, acct := range accounts {
		pool := g.invoicePool(acct.ID)
		for k := 0; k < g.o.InvoicesPerAccount; k++ {
			date := monthEnd(addMonths(g.o.Now, -(k + 1)))
			number += g.between(1, 37)
			n := int(g.between(2, 6))
			perm := g.rng.Perm(len(pool))
			refs := make([]invoiceLineRef, n)
			var total int64
			for i := range refs {
				refs[i] = pool[perm[i%len(perm)]]
				total += refs[i].qty * refs[i].cents
			}
			for _, ref := range refs {
				out = append(out, InvoiceLine{
					ID:                 g.recordID(),
					AccountID:          acct.ID,
					Number:             fmt.Sprintf("INV%08d", number),
					Date:               timestamp(date),
					Currency:           g.currency[acct.ID],
					TotalInvoiceAmount: fromCents(total),
					ProductID:          ref.productID,
					Description:        servicePeriod(date, ref.startDay),
					Quantity:           float64(ref.qty),
					Rate:               fromCents(ref.cents),
					Amount:             fromCents(ref.qty * ref.cents),
				})
			}
		}
	}
	return out
}

// invoicePool lists what can appear on an account's invoices: its
// subscription lines, or (for an account without subscriptions) the fixed
// price book at list price.
func (g *generator) invoicePool(accountID string) []invoiceLineRef {
	var pool []invoiceLineRef
	for _, s := range g.lines[accountID] {
		start, _ := time.Parse(timestampLayout, s.StartDate)
		pool = append(pool, invoiceLineRef{s.ProductID, int64(s.Quantity), g.subCents[s.ID], start.Day()})
	}
	if len(pool) == 0 {
		for _, p := range g.fixed {
			pool = append(pool, invoiceLineRef{p.ID, g.between(1, 20), p.priceCents, 1})
		}
	}
	return pool
}

// servicePeriod describes the month of service billed by an invoice dated
// at date: from startDay of the following month to the day before the same
// day a month later, e.g. "09/16/2024 - 10/15/2024".
func servicePeriod(date time.Time, startDay int) string {
	first := addMonths(time.Date(date.Year(), date.Month(), 1, 0, 0, 0, 0, time.UTC), 1)
	from := time.Date(first.Year(), first.Month(), min(startDay, daysIn(first)), 0, 0, 0, 0, time.UTC)
	to := addMonths(from, 1).AddDate(0, 0, -1)
	return from.Format("01/02/2006") + " - " + to.Format("01/02/2006")
}
