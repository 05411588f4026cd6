package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

var productColumns = []column[billing.Product]{
	idCol("Talkdesk product code, e.g. `TD-LIC-APP-RC-101910`.", func(p *billing.Product) string { return p.ID }),
	strCol("name", "Product name (the license type), e.g. `Identity`.", func(p *billing.Product) billing.Null[string] { return p.Name }),
	strCol("family", "Product family, e.g. `LICENSE`, `ADD_ON`, `CONSUMPTION`, `PROFESSIONAL_SERVICES` or `OTHER`; null when the API has none.", func(p *billing.Product) billing.Null[string] { return p.Family }),
	strCol("unit_of_measure", "Unit of measure, e.g. `PER_SEAT`, `PER_MINUTE`, `EACH` or `OTHER`; null when the API has none.", func(p *billing.Product) billing.Null[string] { return p.UnitOfMeasure }),
	strCol("charge_type", "Charge type: `FIXED_RECURRING`, `ONE_TIME`, `ONE_TIME_CHARGE`, `RECURRING`, `USAGE` or `OTHER`; null when the API has none.", func(p *billing.Product) billing.Null[string] { return p.ChargeType }),
}

// NewProductsDataSource is talkdesk_products.
func NewProductsDataSource() datasource.DataSource {
	return newDataSource(dataSource{
		typeName: "products",
		endpoint: billing.EndpointProducts,
		schema: schema.Schema{
			Description: "Lists the Talkdesk price book, sorted by `id`. `family` and `charge_type` are applied by the provider (the products endpoint takes no filter); no match gives an empty list.",
			Attributes: map[string]schema.Attribute{
				"family":      matchAttribute("Only products of this family, e.g. `LICENSE` (exact, case-insensitive; applied by the provider)."),
				"charge_type": matchAttribute("Only products with this charge type, e.g. `RECURRING` (exact, case-insensitive; applied by the provider)."),
				"products":    listNested("The products, sorted by `id`.", productColumns),
			},
		},
		read: readProducts,
	})
}

func readProducts(ctx context.Context, client *billing.Client, cfg tfsdk.Config, b *stateBuilder) diag.Diagnostics {
	var diags diag.Diagnostics
	family, byFamily := stringInput(ctx, cfg, "family", &diags)
	charge, byCharge := stringInput(ctx, cfg, "charge_type", &diags)
	if diags.HasError() {
		return diags
	}
	products, err := client.Products(ctx)
	if err != nil {
		return readError("Talkdesk products", err)
	}
	kept := selectRecords(products, func(p *billing.Product) bool {
		return (!byFamily || p.Family.Valid && strings.EqualFold(p.Family.Value, family)) &&
			(!byCharge || p.ChargeType.Valid && strings.EqualFold(p.ChargeType.Value, charge))
	})
	slices.SortFunc(kept, func(x, y billing.Product) int { return strings.Compare(x.ID, y.ID) })
	setList(b, "products", productColumns, kept)
	return diags
}
