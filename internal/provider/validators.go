package provider

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// The check functions validate one value; they serve both the schema
// validators (configured values) and Configure (environment values), so
// both are held to the same rules and messages.

func checkRegion(s string) error {
	if _, ok := billing.Regions[s]; !ok {
		return fmt.Errorf("%q is not a Talkdesk region; accepted: us, eu, ca, au", s)
	}
	return nil
}

func checkAccountName(s string) error {
	if !billing.ValidAccountName(s) {
		return fmt.Errorf("%q is not a Talkdesk account name: use the sub-domain of your Talkdesk account (letters, digits and hyphens), e.g. \"acme\"", s)
	}
	return nil
}

func checkPrivateKey(s string) error {
	_, err := billing.ParsePrivateKey(s)
	return err
}

func checkRate(f float64) error {
	if !(f > 0) || f > 1000 {
		return fmt.Errorf("%v requests per second is out of range: use a number greater than 0 and at most 1000 (the API allows 25)", f)
	}
	return nil
}

func checkMaxRetries(n int64) error {
	if n < 0 || n > 20 {
		return fmt.Errorf("%d retries is out of range: use a whole number from 0 to 20", n)
	}
	return nil
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	monthPattern     = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
)

func checkAccountID(s string) error {
	if !accountIDPattern.MatchString(s) {
		return fmt.Errorf("%q is not a Talkdesk account id: ids are 24 hexadecimal characters, e.g. 5ea75fe7aa224700012eae40 (see data.talkdesk_accounts)", s)
	}
	return nil
}

func checkMonth(s string) error {
	if !monthPattern.MatchString(s) {
		return fmt.Errorf("%q is not a month: use YYYY-MM, e.g. 2024-03", s)
	}
	return nil
}

func checkRFC3339(s string) error {
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return fmt.Errorf("%q is not an RFC 3339 timestamp: use e.g. 2025-01-31T00:00:00Z", s)
	}
	return nil
}

// parseDateBound reads an RFC 3339 timestamp or a YYYY-MM-DD date. A date
// bound covers the whole day: as a lower bound its first instant, as an
// upper bound its last.
func parseDateBound(s string, upper bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD or an RFC 3339 timestamp, e.g. 2024-08-31 or 2024-08-31T00:00:00Z", s)
	}
	if upper {
		return d.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
	}
	return d, nil
}

func checkDate(s string) error {
	_, err := parseDateBound(s, false)
	return err
}

// funcString adapts a check function to a schema validator.
func funcString(what string, check func(string) error) validator.String {
	return stringCheck{what: what, check: check}
}

type stringCheck struct {
	what  string
	check func(string) error
}

func (v stringCheck) Description(context.Context) string             { return "value must be " + v.what }
func (v stringCheck) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), err.Error())
	}
}

func funcFloat64(check func(float64) error) validator.Float64 { return float64Check(check) }

type float64Check func(float64) error

func (float64Check) Description(context.Context) string               { return "value must be in range" }
func (v float64Check) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v float64Check) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v(req.ConfigValue.ValueFloat64()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), err.Error())
	}
}

func funcInt64(check func(int64) error) validator.Int64 { return int64Check(check) }

type int64Check func(int64) error

func (int64Check) Description(context.Context) string               { return "value must be in range" }
func (v int64Check) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (v int64Check) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v(req.ConfigValue.ValueInt64()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), err.Error())
	}
}

// orderedBounds checks at validate time that a range's lower bound is not
// after its upper bound; inverted compares two valid bounds.
type orderedBounds struct {
	from, to string
	inverted func(from, to string) bool
}

// monthsInverted: YYYY-MM strings order like the months they name.
func monthsInverted(from, to string) bool {
	return checkMonth(from) == nil && checkMonth(to) == nil && from > to
}

// instantsInverted: equal bounds are allowed (an empty window, as a
// variable of 0 days computes); a lower bound after the upper is a mistake.
func instantsInverted(from, to string) bool {
	f, err1 := time.Parse(time.RFC3339, from)
	t, err2 := time.Parse(time.RFC3339, to)
	return err1 == nil && err2 == nil && f.After(t)
}

func datesInverted(from, to string) bool {
	f, err1 := parseDateBound(from, false)
	t, err2 := parseDateBound(to, true)
	return err1 == nil && err2 == nil && f.After(t)
}

func (v orderedBounds) Description(context.Context) string {
	return fmt.Sprintf("%s must not be after %s", v.from, v.to)
}
func (v orderedBounds) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v orderedBounds) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var diags diag.Diagnostics
	from, okFrom := stringInput(ctx, req.Config, v.from, &diags)
	to, okTo := stringInput(ctx, req.Config, v.to, &diags)
	if diags.HasError() || !okFrom || !okTo || !v.inverted(from, to) {
		return
	}
	resp.Diagnostics.AddAttributeError(path.Root(v.to), "Invalid range",
		fmt.Sprintf("%s (%s) is after %s (%s), so nothing can match: set %s on or after %s.", v.from, from, v.to, to, v.to, v.from))
}
