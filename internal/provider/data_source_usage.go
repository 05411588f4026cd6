package provider

import (
	"cmp"
	"context"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// usage is one row of the shared usage set.
type usage = billing.UsageRow

var usageColumns = append([]column[usage]{idCol("Record id of the usage aggregate.", func(u *usage) string { return u.ID() })},
	usageFieldColumns(usage.Str, usage.Num)...)

// usageFieldColumns declares the usage fields but the id once, for a row
// and for a group of rows, which show them through their own accessors.
func usageFieldColumns[T any](str func(T, billing.UsageField) billing.Null[string], num func(T, billing.UsageNumberField) billing.Null[billing.Number]) []column[T] {
	s := func(key, desc string, f billing.UsageField) column[T] {
		return strCol(key, desc, func(r *T) billing.Null[string] { return str(*r, f) })
	}
	n := func(key, desc string, f billing.UsageNumberField) column[T] {
		return numCol(key, desc, func(r *T) billing.Null[billing.Number] { return num(*r, f) })
	}
	return []column[T]{
		s("account_id", "Account (instance) id the usage belongs to.", billing.UsageAccountID),
		s("product_id", "Talkdesk product code, e.g. `TD-LIC-APP-RC-101910`.", billing.UsageProductID),
		s("aggr_product_id", "Aggregated product code, e.g. `TD-USG-TEL-UG-102213`.", billing.UsageAggrProductID),
		s("month", "Month of the aggregate, `YYYY-MM`.", billing.UsageMonth),
		s("type", "Usage type, e.g. `CALL`, `MESSAGE`, `NUMBER`, `API_REQUEST` or `OTHER`.", billing.UsageType),
		s("description", "Description of the usage type, e.g. `SIP Number`.", billing.UsageDescription),
		s("currency", "ISO 4217 currency code of `price` and `total_amount`.", billing.UsageCurrency),
		s("direction", "Direction of the interactions: `INBOUND`, `OUTBOUND` or `OTHER`; null when not applicable.", billing.UsageDirection),
		s("resolution", "Interaction resolution; null when not applicable.", billing.UsageResolution),
		s("unit", "Unit of measure of `number_of_units`.", billing.UsageUnit),
		n("price", "Price of one unit, in `currency`.", billing.UsagePrice),
		s("wallet_name", "Wallet the usage was charged to; null when none.", billing.UsageWalletName),
		n("number_of_units", "Number of units in the aggregate.", billing.UsageNumberOfUnits),
		n("total_amount", "Total amount of the aggregate, in `currency`.", billing.UsageTotalAmount),
	}
}

// NewUsageDataSource is talkdesk_usage.
func NewUsageDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "usage",
		endpoint: billing.EndpointUsage,
		schema: schema.Schema{
			Description: "Lists monthly usage aggregates per account and product, sorted by `month`, `account_id`, `product_id` then `id`, with `totals` per currency. " + usageFilterDoc + " No match gives an empty list.",
			Attributes: withAttributes(usageFilterAttributes(), map[string]schema.Attribute{
				"usage":  listNested("The usage aggregates, sorted by `month`, `account_id`, `product_id` then `id`.", usageColumns),
				"totals": totalsAttribute("listed usage"),
			}),
		},
		validators: []datasource.ConfigValidator{monthBounds},
		read:       readUsage,
	})
}

// usageFilterDoc says where the usage inputs are applied.
const usageFilterDoc = "`account_ids` is sent to the API as a filter, and so is the month range when both `from_month` and `to_month` are set and span at most 72 months; `product_ids` (and an open-ended month range) are applied by the provider."

// usageFilterAttributes are the inputs talkdesk_usage and
// talkdesk_usage_summary share.
func usageFilterAttributes() map[string]schema.Attribute {
	monthValidators := []validator.String{funcString("a month (YYYY-MM)", checkMonth)}
	return map[string]schema.Attribute{
		"account_ids": accountIDsAttribute("Only usage of these accounts (sent to the API). An id not under the organization fails the read with its name."),
		"product_ids": productIDsAttribute("Only usage of these product codes (applied by the provider)."),
		"from_month":  schema.StringAttribute{Optional: true, Description: "First month, `YYYY-MM`, inclusive.", Validators: monthValidators},
		"to_month":    schema.StringAttribute{Optional: true, Description: "Last month, `YYYY-MM`, inclusive; not before `from_month`.", Validators: monthValidators},
	}
}

var monthBounds = orderedBounds{from: "from_month", to: "to_month", inverted: monthsInverted}

// totalsAttribute is the exact sum of total_amount per currency.
func totalsAttribute(of string) schema.MapAttribute {
	return schema.MapAttribute{Computed: true, ElementType: types.NumberType,
		Description: "Sum of `total_amount` of the " + of + " per `currency` code, computed exactly in decimal. Rows with a null currency or amount are not counted."}
}

// usageFilter is what the usage inputs ask for.
type usageFilter struct {
	accountIDs     []string
	products       map[string]bool
	from, to       string
	hasFrom, hasTo bool
}

// selectUsage reads those inputs and lists the usage the API can select:
// one listing, the same for every data source that asks (the client
// shares it, and the set is immutable).
func selectUsage(ctx context.Context, client *billing.Client, cfg tfsdk.Config, tap *usageSummaryTap) (usageFilter, *billing.UsageRows, diag.Diagnostics) {
	var diags diag.Diagnostics
	f := usageFilter{
		accountIDs: stringsInput(ctx, cfg, "account_ids", &diags),
		products:   stringSet(stringsInput(ctx, cfg, "product_ids", &diags)),
	}
	f.from, f.hasFrom = stringInput(ctx, cfg, "from_month", &diags)
	f.to, f.hasTo = stringInput(ctx, cfg, "to_month", &diags)
	if diags.HasError() || f.accountIDs != nil && len(f.accountIDs) == 0 {
		return f, nil, diags
	}
	q := billing.Query{AccountIDs: f.accountIDs}
	if tap != nil {
		tap.keep, q.Tap = f.keep, tap
	}
	if f.hasFrom && f.hasTo && monthSpan(f.from, f.to) <= maxFilteredMonths {
		months, err := billing.MonthsBetween(f.from, f.to)
		if err != nil {
			diags.AddError("Invalid month range", err.Error())
			return f, nil, diags
		}
		q.Months = months
	}
	rows, err := client.Usage(ctx, q)
	if err != nil {
		diags.Append(readError("Talkdesk usage", err)...)
	}
	diags.Append(clientWarnings(client)...)
	return f, rows, diags
}

// keep applies what the API did not.
func (f usageFilter) keep(u usage) bool {
	if f.products != nil && !f.products[u.ProductID().Value] {
		return false
	}
	if !f.hasFrom && !f.hasTo {
		return true
	}
	// YYYY-MM strings order like the months they name.
	month := u.Month().Value
	return (!f.hasFrom || month >= f.from) && (!f.hasTo || month <= f.to)
}

func readUsage(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	f, rows, diags := selectUsage(ctx, client, cfg, nil)
	if diags.HasError() {
		return diags
	}
	var kept []usage
	for i := range rows.Len() {
		if u := rows.Row(i); f.keep(u) {
			kept = append(kept, u)
		}
	}
	slices.SortFunc(kept, func(x, y usage) int {
		return cmp.Or(strings.Compare(x.Month().Value, y.Month().Value), strings.Compare(x.AccountID().Value, y.AccountID().Value),
			strings.Compare(x.ProductID().Value, y.ProductID().Value), strings.Compare(x.ID(), y.ID()))
	})
	setList(b, "usage", usageColumns, kept)
	sums := currencySums{}
	for _, u := range kept {
		sums.add(u.Currency(), u.TotalAmount())
	}
	b.vals["totals"] = sums.value()
	return diags
}

// maxFilteredMonths is the widest month range sent to the API as a
// filter: about what one filter expression holds. A wider range would
// multiply requests by the width of the range rather than the data, so
// it is applied by the provider instead.
const maxFilteredMonths = 72

// monthSpan counts the months from..to inclusive (both valid YYYY-MM).
func monthSpan(from, to string) int {
	f, err1 := time.Parse("2006-01", from)
	t, err2 := time.Parse("2006-01", to)
	if err1 != nil || err2 != nil {
		return 0
	}
	return (t.Year()-f.Year())*12 + int(t.Month()-f.Month()) + 1
}

// currencySums are exact sums of amounts per currency code.
type currencySums map[string]*big.Rat

// add counts amount under currency; a null currency or amount is not
// counted.
func (s currencySums) add(currency billing.Null[string], amount billing.Null[billing.Number]) {
	if !currency.Valid || !amount.Valid {
		return
	}
	r, ok := amount.Value.Rat()
	if !ok {
		return
	}
	s.addRat(currency.Value, r)
}

func (s currencySums) addRat(currency string, r *big.Rat) {
	if s[currency] == nil {
		s[currency] = new(big.Rat)
	}
	s[currency].Add(s[currency], r)
}

func (s currencySums) value() tftypes.Value {
	vals := make(map[string]tftypes.Value, len(s))
	for cur, sum := range s {
		vals[cur] = ratValue(sum)
	}
	return tftypes.NewValue(tftypes.Map{ElementType: tftypes.Number}, vals)
}
