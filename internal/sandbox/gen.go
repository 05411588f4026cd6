package sandbox

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// generator builds a Dataset from Options. Every random choice goes through
// one PCG seeded from Options.Seed, and choices are made in a fixed order, so
// the same Seed and Now always produce the same data.
type generator struct {
	o   Options
	rng *rand.Rand
	// seq makes record ids unique without a "seen" set: the low 32 bits of
	// every 32-hex id are a running counter.
	seq uint32

	fixed []genProduct // licenses, add-ons, services, other (subscription material)
	usage []genProduct // usage products, in price-book order

	// per account, filled while generating subscriptions and reused by the
	// invoice generator
	currency map[string]string
	lines    map[string][]Subscription
	subCents map[string]int64 // subscription id -> unit price in cents
}

// genProduct is a price-book entry plus what the generator needs to make
// consistent records that reference it.
type genProduct struct {
	Product
	kind       productKind
	priceCents int64          // list price, non-usage products
	usage      *usageTemplate // usage products only
	price4     int64          // usage unit price in 1/10000
	aggrID     string         // usage products: the group's aggregate product id
}

// generate builds the whole data set.
func generate(o Options) Dataset {
	g := &generator{
		o:        o,
		rng:      rand.New(rand.NewPCG(uint64(o.Seed), 0x7a1d35c0ffee)),
		currency: map[string]string{},
		lines:    map[string][]Subscription{},
		subCents: map[string]int64{},
	}
	d := Dataset{
		OrganizationID:   g.objectID(o.Now.AddDate(-6, 0, 0)),
		OrganizationName: DefaultOrganizationName,
	}
	d.Accounts, d.ForeignAccounts = g.accounts(o.Accounts, o.ForeignAccounts)
	d.Products = g.products()
	d.Subscriptions = g.subscriptions(d.Accounts)
	d.Invoices = g.invoices(d.Accounts)
	d.Usage = g.usageRecords(d.Accounts)
	sortDataset(&d)
	return d
}

// pick returns a value chosen according to the weights.
func (g *generator) pick(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	n := g.rng.IntN(total)
	for _, w := range ws {
		if n < w.weight {
			return w.value
		}
		n -= w.weight
	}
	return ws[len(ws)-1].value
}

// stratified returns n values distributed according to the weights, in
// random order. Unlike n independent picks, even a handful of records gets
// the realistic mix (eight accounts are mostly ACTIVE, with one or two
// others), while the result still depends only on the seed.
func (g *generator) stratified(ws []weighted, n int) []string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	out := make([]string, n)
	for i := range out {
		// One point in each of n equal slices of the cumulative weights.
		x := (float64(i) + g.rng.Float64()) / float64(n) * float64(total)
		acc := 0.0
		out[i] = ws[len(ws)-1].value
		for _, w := range ws {
			acc += float64(w.weight)
			if x < acc {
				out[i] = w.value
				break
			}
		}
	}
	g.rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// between returns a uniform integer in [lo, hi].
func (g *generator) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.Int64N(hi-lo+1)
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// recordID returns a unique 32-hex id (like the contract's subscription id).
func (g *generator) recordID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], g.rng.Uint64())
	binary.BigEndian.PutUint32(b[8:12], g.rng.Uint32())
	g.seq++
	binary.BigEndian.PutUint32(b[12:16], g.seq)
	return hex.EncodeToString(b[:])
}

// objectID returns a 24-hex id shaped like a MongoDB ObjectId (creation time
// in the first four bytes), which is what Talkdesk account ids look like.
func (g *generator) objectID(created time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(created.Unix()))
	binary.BigEndian.PutUint64(b[4:12], g.rng.Uint64())
	return hex.EncodeToString(b[:])
}

// accounts makes n instances under the organization and foreign more that
// belong to someone else, all with distinct ids and names.
func (g *generator) accounts(n, foreign int) (own, other []Account) {
	total := n + foreign
	combos := len(brandWords) * len(industryWords)
	order := g.rng.Perm(combos)
	ids := map[string]bool{}
	statuses := append(g.stratified(accountStatuses, n), g.stratified(accountStatuses, foreign)...)
	all := make([]Account, total)
	for i := range all {
		c := order[i%combos]
		brand, industry := brandWords[c/len(industryWords)], industryWords[c%len(industryWords)]
		sub := strings.ToLower(brand + industry)
		company := brand + " " + industry
		if round := i / combos; round > 0 {
			sub = fmt.Sprintf("%s%d", sub, round+1)
			company = fmt.Sprintf("%s %d", company, round+1)
		}
		company += " " + companySuffixes[g.rng.IntN(len(companySuffixes))]
		id := g.objectID(g.o.Now.AddDate(0, 0, -int(g.between(60, 6*365))))
		for ids[id] {
			id = g.objectID(g.o.Now.AddDate(0, 0, -int(g.between(60, 6*365))))
		}
		ids[id] = true
		all[i] = Account{ID: id, Name: sub, CompanyName: company, Status: statuses[i]}
	}
	return all[:n], all[n:]
}

// productCounts splits the price book into fixed and usage products:
// about a third usage. When UsagePerAccountMonth needs more distinct usage
// products than that, usage products are added on top (the price book grows
// beyond Options.Products) rather than taken from the subscription material.
// A minimum of fixed products is kept when subscriptions or invoices need
// them.
func (g *generator) productCounts() (fixed, usage int) {
	natural := (g.o.Products*35 + 50) / 100
	fixed = g.o.Products - natural
	if g.o.SubscriptionsPerAccount > 0 || g.o.InvoicesPerAccount > 0 {
		fixed = max(fixed, 4)
	}
	return fixed, max(natural, g.o.UsagePerAccountMonth)
}

// products builds the price book: product codes like TD-LIC-APP-RC-101910,
// realistic names, enum values from the contract and a few nulls.
func (g *generator) products() []Product {
	fixedN, usageN := g.productCounts()
	number := g.between(100000, 103000)
	nextID := func(code string) string {
		number += g.between(1, 97)
		return fmt.Sprintf("TD-%s-%d", code, number)
	}

	licenses := max(1, fixedN*45/100)
	if fixedN == 0 {
		licenses = 0
	}
	addOns := fixedN * 30 / 100
	services := fixedN * 15 / 100
	others := fixedN - licenses - addOns - services
	groups := []struct {
		kind  productKind
		n     int
		tmpls []productTemplate
	}{
		{kindLicense, licenses, licenseTemplates},
		{kindAddOn, addOns, addOnTemplates},
		{kindService, services, serviceTemplates},
		{kindOther, others, otherTemplates},
	}
	for _, grp := range groups {
		for i := 0; i < grp.n; i++ {
			t := grp.tmpls[i%len(grp.tmpls)]
			name := t.name
			if round := i / len(grp.tmpls); round > 0 {
				name = fmt.Sprintf("%s Tier %d", name, round+1)
			}
			p := genProduct{
				Product: Product{
					ID: nextID(t.code), Name: name,
					Family: ptr(t.family), UnitOfMeasure: ptr(t.unit), ChargeType: ptr(t.charge),
				},
				kind:       grp.kind,
				priceCents: g.between(t.minCents, t.maxCents),
			}
			g.fixed = append(g.fixed, p)
		}
	}

	aggr := map[string]string{}
	for i := 0; i < usageN; i++ {
		t, name := usageProductName(i)
		id := nextID("USG-" + t.group + "-UG")
		if aggr[t.group] == "" {
			aggr[t.group] = id
		}
		g.usage = append(g.usage, genProduct{
			Product: Product{
				ID: id, Name: name,
				Family: ptr(t.family), UnitOfMeasure: ptr(t.unit), ChargeType: ptr("USAGE"),
			},
			kind:   kindUsage,
			usage:  t,
			price4: g.between(t.minPrice4, t.maxPrice4),
			aggrID: aggr[t.group],
		})
	}

	out := make([]Product, 0, len(g.fixed)+len(g.usage))
	for _, list := range [][]genProduct{g.fixed, g.usage} {
		for i := range list {
			// A few price-book entries lack one classification, as
			// nullable fields in the contract suggest real data does.
			if g.chance(0.08) {
				p := &list[i].Product
				switch g.rng.IntN(3) {
				case 0:
					p.Family = nil
				case 1:
					p.UnitOfMeasure = nil
				default:
					p.ChargeType = nil
				}
			}
			out = append(out, list[i].clone())
		}
	}
	return out
}

// usageProductName returns the template and name of the i-th usage product.
// The first round uses every template once (country "US" for per-country
// ones) so that even a small price book is varied; later rounds add the
// per-country rates of further countries, then tiers.
func usageProductName(i int) (*usageTemplate, string) {
	perCountry := 0
	for _, t := range usageTemplates {
		if strings.Contains(t.name, "%s") {
			perCountry++
		}
	}
	if i < len(usageTemplates) {
		t := &usageTemplates[i]
		if strings.Contains(t.name, "%s") {
			return t, fmt.Sprintf(t.name, countries[0])
		}
		return t, t.name
	}
	i -= len(usageTemplates)
	var tmpls []*usageTemplate
	for k := range usageTemplates {
		if strings.Contains(usageTemplates[k].name, "%s") {
			tmpls = append(tmpls, &usageTemplates[k])
		}
	}
	t := tmpls[i%perCountry]
	c := 1 + i/perCountry
	if c < len(countries) {
		return t, fmt.Sprintf(t.name, countries[c])
	}
	tier := c/len(countries) + 1
	return t, fmt.Sprintf(t.name, countries[c%len(countries)]) + fmt.Sprintf(" Tier %d", tier)
}
