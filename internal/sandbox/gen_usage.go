package sandbox

import "time"

// usageRecords makes, for every account and each of the UsageMonths months
// ending with the month of Now, UsagePerAccountMonth rows for distinct
// usage products. Each account uses a stable set of products from month to
// month, with varying volumes, as real consumption does.
func (g *generator) usageRecords(accounts []Account) []UsageRecord {
	k := g.o.UsagePerAccountMonth
	if k == 0 || g.o.UsageMonths == 0 || len(g.usage) < k {
		return nil
	}
	thisMonth := time.Date(g.o.Now.Year(), g.o.Now.Month(), 1, 0, 0, 0, 0, time.UTC)
	months := make([]string, g.o.UsageMonths)
	for i := range months {
		// The month of Now and the one before are still open (their usage
		// can change until invoiced): a data set holds open and closed months.
		months[i] = addMonths(thisMonth, -i).Format("2006-01")
	}
	out := make([]UsageRecord, 0, len(accounts)*len(months)*k)
	for _, acct := range accounts {
		cur := g.currency[acct.ID]
		chosen := g.rng.Perm(len(g.usage))[:k]
		for _, month := range months {
			for _, pi := range chosen {
				out = append(out, g.usageRow(acct.ID, cur, month, &g.usage[pi]))
			}
		}
	}
	return out
}

// usageRow makes one monthly aggregate. The total is computed from the
// integer price (1/10000) and units (1/100) and rounded half up to cents.
func (g *generator) usageRow(accountID, currency, month string, p *genProduct) UsageRecord {
	t := p.usage
	units100 := g.between(t.minUnits, t.maxUnits) * 100
	if t.fractional && g.chance(0.7) {
		units100 += g.between(1, 99)
	}
	r := UsageRecord{
		ID:            g.recordID(),
		AccountID:     accountID,
		ProductID:     p.ID,
		AggrProductID: p.aggrID,
		Month:         month,
		Type:          t.usageType,
		Description:   p.Name,
		Currency:      currency,
		Unit:          t.unit,
		Price:         fromTenThousandths(p.price4),
		NumberOfUnits: fromCents(units100),
		TotalAmount:   fromCents(roundDiv(p.price4*units100, 10000)),
	}
	if t.direction != "" {
		r.Direction = ptr(t.direction)
	}
	if t.resolution && g.chance(0.8) {
		r.Resolution = ptr(callResolutions[g.rng.IntN(len(callResolutions))])
	}
	if t.wallet {
		r.WalletName = ptr(walletNames[g.rng.IntN(len(walletNames))])
	}
	return r
}
