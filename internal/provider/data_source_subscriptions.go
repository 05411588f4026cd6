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
			Attributes: map[string]schema.Attribute{
				"account_ids":   accountIDsAttribute("Only contract lines of these accounts (sent to the API). An id not under the organization fails the read with its name."),
				"product_ids":   productIDsAttribute("Only contract lines of these product codes (applied by the provider)."),
				"status":        matchAttribute("Only contract lines with this status, e.g. `ACTIVATED` (exact, case-insensitive; applied by the provider)."),
				"ends_before":   schema.StringAttribute{Optional: true, Description: "Only contract lines whose `end_date` is strictly before this RFC 3339 timestamp, e.g. `2026-01-31T00:00:00Z` (applied by the provider). Must not be earlier than `ends_after`.", Validators: []validator.String{funcString("an RFC 3339 timestamp", checkRFC3339)}},
				"ends_after":    schema.StringAttribute{Optional: true, Description: "Only contract lines whose `end_date` is strictly after this RFC 3339 timestamp (applied by the provider).", Validators: []validator.String{funcString("an RFC 3339 timestamp", checkRFC3339)}},
				"subscriptions": listNested("The contract lines, sorted by `account_id` then `id`.", subscriptionColumns),
			},
		},
		validators: []datasource.ConfigValidator{orderedBounds{from: "ends_after", to: "ends_before", inverted: instantsInverted}},
		read:       readSubscriptions,
	})
}

func readSubscriptions(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	accountIDs := stringsInput(ctx, cfg, "account_ids", &diags)
	products := stringSet(stringsInput(ctx, cfg, "product_ids", &diags))
	status, byStatus := stringInput(ctx, cfg, "status", &diags)
	var before, after *time.Time
	if s, ok := stringInput(ctx, cfg, "ends_before", &diags); ok {
		t, _ := time.Parse(time.RFC3339, s)
		before = &t
	}
	if s, ok := stringInput(ctx, cfg, "ends_after", &diags); ok {
		t, _ := time.Parse(time.RFC3339, s)
		after = &t
	}
	if diags.HasError() {
		return diags
	}
	if accountIDs != nil && len(accountIDs) == 0 {
		setList(b, "subscriptions", subscriptionColumns, nil)
		return diags
	}
	subs, err := client.Subscriptions(ctx, billing.Query{AccountIDs: accountIDs})
	if err != nil {
		return readError("Talkdesk subscriptions", err)
	}
	undated := 0
	kept := selectRecords(subs, func(s *sub) bool {
		if products != nil && !products[s.ProductID.Value] || byStatus && !strings.EqualFold(s.Status.Value, status) {
			return false
		}
		if before != nil || after != nil {
			end, err := time.Parse(time.RFC3339, s.EndDate.Value)
			if err != nil {
				undated++
				return false
			}
			if before != nil && !end.Before(*before) || after != nil && !end.After(*after) {
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
