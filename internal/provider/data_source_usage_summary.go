package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// usageKeyNames are the usage fields a summary can group by, in the
// order the groups show them.
var usageKeyNames = []string{
	"account_id", "product_id", "aggr_product_id", "month", "type",
	"description", "direction", "resolution", "unit", "wallet_name",
}

// usageKeys are the grouping fields by name.
var usageKeys = map[string]billing.UsageField{
	"account_id":      billing.UsageAccountID,
	"product_id":      billing.UsageProductID,
	"aggr_product_id": billing.UsageAggrProductID,
	"month":           billing.UsageMonth,
	"type":            billing.UsageType,
	"description":     billing.UsageDescription,
	"direction":       billing.UsageDirection,
	"resolution":      billing.UsageResolution,
	"unit":            billing.UsageUnit,
	"wallet_name":     billing.UsageWalletName,
}

// usageGroupKey is a group's refs into the rows' table: those of the
// grouping fields and currency, 0 (null) for the others.
type usageGroupKey [billing.UsageWalletName + 1]uint32

// usageGroup is one combination of the grouping keys and currency.
type usageGroup struct {
	// rows is the set the key's refs belong to; grouped marks the fields
	// of the key (currency included), the others show as null.
	rows    *billing.UsageRows
	key     usageGroupKey
	grouped *[len(usageGroupKey{})]bool
	groupSums
	// The sums as the state shows them.
	count, totalAmount, numberOfUnits billing.Null[billing.Number]
}

// groupSums is what a group adds up, row by row: small and free of
// strings, because a million rows fold into it in no particular order.
type groupSums struct {
	n int
	// total and units are exact sums of the values rows have.
	total, units decimalSum
	// unit is the first row's unit ref; mixedUnits when another row differs.
	unit       uint32
	mixedUnits bool
}

// str is the group's value of field f: null when f is not grouped by.
func (g usageGroup) str(f billing.UsageField) billing.Null[string] {
	if !g.grouped[f] {
		return billing.Null[string]{}
	}
	return g.rows.RefValue(g.key[f])
}

func noNumber(usageGroup, billing.UsageNumberField) billing.Null[billing.Number] {
	return billing.Null[billing.Number]{}
}

var usageGroupColumns = slices.Concat(
	noted(pick(usageFieldColumns(usageGroup.str, noNumber), usageKeyNames...), " The group's value; null when the key is not in `group_by`, or for the group of rows where it is null."),
	noted(pick(usageFieldColumns(usageGroup.str, noNumber), "currency"), " Every group has one currency: amounts in different currencies are never added."),
	[]column[usageGroup]{
		numCol("rows", "How many usage rows the group has, those with a null amount or null units included.", func(g *usageGroup) billing.Null[billing.Number] { return g.count }),
		numCol("total_amount", "Sum of the rows' `total_amount`, in `currency`, exact in decimal. Rows with a null amount are not added; null when no row has one.", func(g *usageGroup) billing.Null[billing.Number] { return g.totalAmount }),
		numCol("number_of_units", "Sum of the rows' `number_of_units`, exact in decimal, when every row of the group has the same `unit`; null when the units differ (group by `unit` to get each sum) or no row has a number of units. Rows with null units are not added.", func(g *usageGroup) billing.Null[billing.Number] { return g.numberOfUnits }),
	},
)

// NewUsageSummaryDataSource is talkdesk_usage_summary.
func NewUsageSummaryDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "usage_summary",
		endpoint: billing.EndpointUsage,
		schema: schema.Schema{
			Description: "Sums monthly usage by the keys named in `group_by`, exactly in decimal: one group per distinct combination of those keys and `currency` (amounts in different currencies are never added), with its row count, `total_amount` and `number_of_units`. " +
				"A null key value is a group of its own. Groups are sorted by the `group_by` keys in the order given (null first), then `currency`. " +
				usageFilterDoc + " No match gives an empty list.",
			Attributes: withAttributes(usageFilterAttributes(), map[string]schema.Attribute{
				"group_by": schema.ListAttribute{
					Required: true, ElementType: types.StringType,
					Description: "Keys to group by, without duplicates, in the order the groups are sorted: any of " + backquoted(usageKeyNames) + ". Usage is always grouped by `currency` too.",
					Validators:  []validator.List{groupByValidator{}},
				},
				"groups": listNested("The groups, sorted by the `group_by` keys in the order given (null first), then `currency`. Key attributes not named in `group_by` are null.", usageGroupColumns),
				"totals": totalsAttribute("summarized usage"),
			}),
		},
		validators: []datasource.ConfigValidator{monthBounds},
		read:       readUsageSummary,
	})
}

func readUsageSummary(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	by := stringsInput(ctx, cfg, "group_by", &diags)
	if diags.HasError() {
		return diags
	}
	tap := newUsageSummaryTap(by)
	_, rows, more := selectUsage(ctx, client, cfg, tap)
	if diags.Append(more...); diags.HasError() {
		return diags
	}
	groups := tap.summarize(rows)
	setList(b, "groups", usageGroupColumns, groups)
	sums := currencySums{}
	for i := range groups {
		if g := &groups[i]; g.key[billing.UsageCurrency] != 0 && g.total.set {
			sums.addRat(g.str(billing.UsageCurrency).Value, g.total.rat())
		}
	}
	b.vals["totals"] = sums.value()
	return diags
}

// groupByValidator accepts a non-empty list of distinct usage keys.
type groupByValidator struct{}

func (groupByValidator) Description(context.Context) string {
	return "a non-empty list of distinct keys among " + strings.Join(usageKeyNames, ", ")
}
func (v groupByValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (groupByValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	accepted := "group_by accepts " + strings.Join(usageKeyNames, ", ") + "."
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid group_by", "group_by is empty: name at least one key to group by, e.g. [\"account_id\", \"month\"]. "+accepted)
		return
	}
	seen := map[string]bool{}
	for i, e := range elems {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			continue
		}
		at := req.Path.AtListIndex(i)
		switch key := s.ValueString(); {
		case s.IsNull():
			resp.Diagnostics.AddAttributeError(at, "Invalid group_by", fmt.Sprintf("group_by[%d] is null: name a key. %s", i, accepted))
		case !isUsageKey(key):
			resp.Diagnostics.AddAttributeError(at, "Invalid group_by", fmt.Sprintf("%q is not a key to group usage by: %s", key, accepted))
		case seen[key]:
			resp.Diagnostics.AddAttributeError(at, "Invalid group_by", fmt.Sprintf("%q is named more than once in group_by: name each key once.", key))
		default:
			seen[key] = true
		}
	}
}

// backquoted renders names as a Markdown list of code spans.
func backquoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func isUsageKey(name string) bool {
	_, ok := usageKeys[name]
	return ok
}
