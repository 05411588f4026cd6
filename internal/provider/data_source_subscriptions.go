package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

type sub = billing.Subscription

const periodValues = "`ANNUAL`, `QUARTER`, `MONTH`, `SEMI_ANNUAL` or `OTHER`"

var subscriptionColumns = []column[sub]{
	idCol("Record id of the contract line.", func(s *sub) string { return s.ID }),
	strCol("account_id", "Account (instance) id the contract line belongs to.", func(s *sub) billing.Null[string] { return s.AccountID }),
	strCol("contract_number", "Contract number, e.g. `00021679` (a string: leading zeros matter).", func(s *sub) billing.Null[string] { return s.ContractNumber }),
	strCol("currency", "ISO 4217 currency code, e.g. `USD`.", func(s *sub) billing.Null[string] { return s.Currency }),
	strCol("billing_period", "Billing period at the contract level: "+periodValues+".", func(s *sub) billing.Null[string] { return s.BillingPeriod }),
	strCol("status", "Contract status: `ACTIVATED` or `OTHER`.", func(s *sub) billing.Null[string] { return s.Status }),
	strCol("term", "Contract duration in months, as the API sends it (a string), e.g. `12`.", func(s *sub) billing.Null[string] { return s.Term }),
	timeCol("start_date", "Contract start, RFC 3339 exactly as the API sent it, e.g. `2023-08-31T00:00:00.000Z`.", func(s *sub) billing.Null[string] { return s.StartDate }),
	timeCol("end_date", "Contract end, RFC 3339 exactly as the API sent it, e.g. `2024-08-31T00:00:00.000Z`.", func(s *sub) billing.Null[string] { return s.EndDate }),
	strCol("edition", "Talkdesk CX Cloud edition on the contract, e.g. `Express`.", func(s *sub) billing.Null[string] { return s.Edition }),
	boolCol("auto_renewal", "Whether the contract renews automatically; null when not applicable.", func(s *sub) billing.Null[bool] { return s.AutoRenewal }),
	numCol("renewal_uplift", "Percentage uplift of the contract value on renewal, e.g. `9`; null when not applicable.", func(s *sub) billing.Null[billing.Number] { return s.RenewalUplift }),
	strCol("product_id", "Talkdesk product code, e.g. `TD-LIC-APP-RC-101910` (see talkdesk_products).", func(s *sub) billing.Null[string] { return s.ProductID }),
	numCol("quantity", "Quantity of the product.", func(s *sub) billing.Null[billing.Number] { return s.Quantity }),
	numCol("unit_price", "Price of one unit, in `currency`.", func(s *sub) billing.Null[billing.Number] { return s.UnitPrice }),
	strCol("billing_frequency", "Billing frequency of the contract line: "+periodValues+".", func(s *sub) billing.Null[string] { return s.BillingFrequency }),
	strCol("pricing_model", "Pricing model: `FIXED_FEE`, `TIME_AND_MATERIALS` or `OTHER`.", func(s *sub) billing.Null[string] { return s.PricingModel }),
	boolCol("concurrent", "True when billed by simultaneous users rather than licensed users.", func(s *sub) billing.Null[bool] { return s.Concurrent }),
	boolCol("seasonal", "True for seasonal (monthly, non-renewing) licenses.", func(s *sub) billing.Null[bool] { return s.Seasonal }),
}

// NewSubscriptionsDataSource is talkdesk_subscriptions.
func NewSubscriptionsDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "subscriptions",
		endpoint: billing.EndpointSubscriptions,
		schema: schema.Schema{
			Description: "Lists contract lines (subscriptions) of the organization's instances, sorted by `account_id` then `id`. `account_ids` is sent to the API as a filter (long lists are split into several requests); `product_ids`, `status`, `ends_before` and `ends_after` are applied by the provider. No match gives an empty list.",
			Attributes: withAttributes(subscriptionFilterAttributes("contract lines"), map[string]schema.Attribute{
				"product_ids":   productIDsAttribute("Only contract lines of these product codes (applied by the provider)."),
				"subscriptions": listNested("The contract lines, sorted by `account_id` then `id`.", subscriptionColumns),
			}),
		},
		validators: []datasource.ConfigValidator{endWindowBounds},
		read:       readSubscriptions,
	})
}

// subscriptionFilterAttributes are the inputs talkdesk_subscriptions and
// talkdesk_contracts share, each selecting `what`.
func subscriptionFilterAttributes(what string) map[string]schema.Attribute {
	rfc3339 := []validator.String{funcString("an RFC 3339 timestamp", checkRFC3339)}
	return map[string]schema.Attribute{
		"account_ids": accountIDsAttribute("Only " + what + " of these accounts (sent to the API). An id not under the organization fails the read with its name."),
		"status":      matchAttribute("Only " + what + " with this status, e.g. `ACTIVATED` (exact, case-insensitive; applied by the provider)."),
		"ends_before": schema.StringAttribute{Optional: true, Description: "Only " + what + " whose `end_date` is strictly before this RFC 3339 timestamp, e.g. `2026-01-31T00:00:00Z` (applied by the provider). Must not be earlier than `ends_after`.", Validators: rfc3339},
		"ends_after":  schema.StringAttribute{Optional: true, Description: "Only " + what + " whose `end_date` is strictly after this RFC 3339 timestamp (applied by the provider).", Validators: rfc3339},
	}
}

var endWindowBounds = orderedBounds{from: "ends_after", to: "ends_before", inverted: instantsInverted}

// subscriptionFilter is what those inputs ask for.
type subscriptionFilter struct {
	accountIDs    []string
	products      map[string]bool
	status        string
	byStatus      bool
	before, after *time.Time
}

// selectSubscriptions reads those inputs and lists the contract lines of
// the selected accounts: one listing, the same for every data source that
// asks (the client shares it). The slice is shared: read it, never
// reorder or change it.
func selectSubscriptions(ctx context.Context, client *billing.Client, cfg tfsdk.Config) (subscriptionFilter, []sub, diag.Diagnostics) {
	var diags diag.Diagnostics
	f := subscriptionFilter{
		accountIDs: stringsInput(ctx, cfg, "account_ids", &diags),
		products:   stringSet(stringsInput(ctx, cfg, "product_ids", &diags)),
	}
	f.status, f.byStatus = stringInput(ctx, cfg, "status", &diags)
	if s, ok := stringInput(ctx, cfg, "ends_before", &diags); ok {
		t, _ := time.Parse(time.RFC3339, s)
		f.before = &t
	}
	if s, ok := stringInput(ctx, cfg, "ends_after", &diags); ok {
		t, _ := time.Parse(time.RFC3339, s)
		f.after = &t
	}
	if diags.HasError() || f.accountIDs != nil && len(f.accountIDs) == 0 {
		return f, nil, diags
	}
	subs, err := client.Subscriptions(ctx, billing.Query{AccountIDs: f.accountIDs})
	if err != nil {
		diags.Append(readError("Talkdesk subscriptions", err)...)
	}
	return f, subs, diags
}

func (f subscriptionFilter) matchesStatus(status billing.Null[string]) bool {
	return !f.byStatus || status.Valid && strings.EqualFold(status.Value, f.status)
}

func (f subscriptionFilter) dated() bool { return f.before != nil || f.after != nil }

// endsInside reports whether end is inside the (strict) window.
func (f subscriptionFilter) endsInside(end time.Time) bool {
	return (f.before == nil || end.Before(*f.before)) && (f.after == nil || end.After(*f.after))
}

func readSubscriptions(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	f, subs, diags := selectSubscriptions(ctx, client, cfg)
	if diags.HasError() {
		return diags
	}
	undated := 0
	kept := selectRecords(subs, func(s *sub) bool {
		if f.products != nil && !f.products[s.ProductID.Value] || !f.matchesStatus(s.Status) {
			return false
		}
		if f.dated() {
			end, err := time.Parse(time.RFC3339, s.EndDate.Value)
			if err != nil {
				undated++
				return false
			}
			if !f.endsInside(end) {
				return false
			}
		}
		return true
	})
	if undated > 0 {
		diags.AddWarning("Contract lines without a readable end date",
			fmt.Sprintf("%d contract lines have no RFC 3339 end_date, so ends_before/ends_after cannot place them; they are left out of the result.", undated))
	}
	slices.SortFunc(kept, func(x, y sub) int {
		return cmp.Or(strings.Compare(x.AccountID.Value, y.AccountID.Value), strings.Compare(x.ID, y.ID))
	})
	setList(b, "subscriptions", subscriptionColumns, kept)
	return diags
}
