package provider

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/calendar"
)

// The calendar functions (Terraform >= 1.8, OpenTofu >= 1.7): HCL has no
// month arithmetic, and timeadd with hours is wrong around month ends. The
// arithmetic is internal/calendar's; these only map arguments, results
// and errors. Null arguments are refused and unknown ones give an unknown
// result, both by the framework.

// calendarFunction is one provider-defined function: its definition and
// what it does with its arguments.
type calendarFunction struct {
	name       string
	definition function.Definition
	run        func(context.Context, function.ArgumentsData) (any, *function.FuncError)
}

var _ function.Function = (*calendarFunction)(nil)

func (f *calendarFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = f.name
}

func (f *calendarFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = f.definition
}

func (f *calendarFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	result, err := f.run(ctx, req.Arguments)
	if err != nil {
		resp.Error = err
		return
	}
	resp.Error = resp.Result.Set(ctx, result)
}

// calendarFunctions are the provider's functions.
func calendarFunctions() []func() function.Function {
	return []func() function.Function{
		func() function.Function { return daysBetweenFunction() },
		func() function.Function { return addMonthsFunction() },
		func() function.Function { return monthAddFunction() },
		func() function.Function { return monthsFunction() },
	}
}

const timestampFormat = "An RFC 3339 timestamp such as `2024-08-31T00:00:00Z`; fractional seconds (the API's `2024-08-31T00:00:00.000Z`) and offsets are accepted."

// monthsParameter is n, the months to add. A number, not an Int64Parameter:
// the framework's own error for 1.5 asks the user to report a bug.
var monthsParameter = function.NumberParameter{
	Name:                "n",
	MarkdownDescription: "Months to add: a whole number, negative to go back.",
}

// wholeMonths reads n as a whole number of months.
func wholeMonths(n *big.Float) (int64, error) {
	i, acc := n.Int64()
	if !n.IsInt() || acc != big.Exact {
		return 0, fmt.Errorf("%s is not a whole number of months", n.Text('g', -1))
	}
	return i, nil
}

const monthFormat = "A month written `YYYY-MM`, such as `2026-01`."

func daysBetweenFunction() *calendarFunction {
	return &calendarFunction{
		name: "days_between",
		definition: function.Definition{
			Summary: "Whole days from one timestamp to another",
			MarkdownDescription: "Returns the number of whole days (of 24 hours, in UTC) from `from` to `to`, truncated toward zero: " +
				"36 hours is `1`, minus 36 hours is `-1`. Negative when `to` is before `from`. " +
				"For example the days left on a contract: `provider::talkdesk::days_between(plantimestamp(), c.end_date)`.",
			Parameters: []function.Parameter{
				function.StringParameter{Name: "from", MarkdownDescription: "The start. " + timestampFormat},
				function.StringParameter{Name: "to", MarkdownDescription: "The end. " + timestampFormat},
			},
			Return: function.Int64Return{},
		},
		run: twoArguments("from", "to", calendar.ParseTimestamp, func(from, to time.Time) (any, *function.FuncError) {
			return calendar.DaysBetween(from, to), nil
		}),
	}
}

func addMonthsFunction() *calendarFunction {
	return &calendarFunction{
		name: "add_months",
		definition: function.Definition{
			Summary: "A timestamp plus calendar months",
			MarkdownDescription: "Returns `timestamp` plus `n` calendar months (minus, when `n` is negative) as an RFC 3339 timestamp in UTC, " +
				"with the time of day kept. A day that the target month lacks is clamped to its last day: " +
				"`2024-01-31T00:00:00Z` plus 1 is `2024-02-29T00:00:00Z`. For example a contract's end date plus its renewal term.",
			Parameters: []function.Parameter{
				function.StringParameter{Name: "timestamp", MarkdownDescription: timestampFormat},
				monthsParameter,
			},
			Return: function.StringReturn{},
		},
		run: plusMonths("timestamp", calendar.ParseTimestamp, calendar.AddMonths, calendar.FormatTimestamp),
	}
}

func monthAddFunction() *calendarFunction {
	return &calendarFunction{
		name: "month_add",
		definition: function.Definition{
			Summary: "A YYYY-MM month plus months",
			MarkdownDescription: "Returns the month `n` months after `month` (before it, when `n` is negative), as `YYYY-MM`: " +
				"`month_add(\"2026-01\", -1)` is `\"2025-12\"`. For example twelve months ago, for `from_month`: " +
				"`provider::talkdesk::month_add(formatdate(\"YYYY-MM\", plantimestamp()), -12)`.",
			Parameters: []function.Parameter{
				function.StringParameter{Name: "month", MarkdownDescription: monthFormat},
				monthsParameter,
			},
			Return: function.StringReturn{},
		},
		run: plusMonths("month", calendar.ParseMonth, calendar.Month.Add, calendar.Month.String),
	}
}

func monthsFunction() *calendarFunction {
	return &calendarFunction{
		name: "months",
		definition: function.Definition{
			Summary: "Every YYYY-MM month of a range",
			MarkdownDescription: "Returns the list of months from `from_month` to `to_month`, both included, in order, as `YYYY-MM`: " +
				"`months(\"2025-11\", \"2026-02\")` is `[\"2025-11\", \"2025-12\", \"2026-01\", \"2026-02\"]`. " +
				"Use it to give a report a row for every month, including months without usage. " +
				"A `to_month` before `from_month` is an error.",
			Parameters: []function.Parameter{
				function.StringParameter{Name: "from_month", MarkdownDescription: "The first month. " + monthFormat},
				function.StringParameter{Name: "to_month", MarkdownDescription: "The last month, not before `from_month`. " + monthFormat},
			},
			Return: function.ListReturn{ElementType: types.StringType},
		},
		run: twoArguments("from_month", "to_month", calendar.ParseMonth, func(from, to calendar.Month) (any, *function.FuncError) {
			months, err := calendar.Months(from, to)
			if err != nil {
				// Both arguments are at fault: not one argument's error.
				return nil, function.NewFuncError(err.Error())
			}
			out := make([]string, len(months))
			for i, m := range months {
				out[i] = m.String()
			}
			return out, nil
		}),
	}
}

// twoArguments runs a function of two arguments of one kind, named first
// and second, that parse reads: their error names the argument at fault.
func twoArguments[T any](first, second string, parse func(string) (T, error), run func(a, b T) (any, *function.FuncError)) func(context.Context, function.ArgumentsData) (any, *function.FuncError) {
	return func(ctx context.Context, args function.ArgumentsData) (any, *function.FuncError) {
		var aText, bText string
		if err := args.Get(ctx, &aText, &bText); err != nil {
			return nil, err
		}
		a, err := parse(aText)
		if err != nil {
			return nil, argumentError(0, first, err)
		}
		b, err := parse(bText)
		if err != nil {
			return nil, argumentError(1, second, err)
		}
		return run(a, b)
	}
}

// plusMonths runs a function (value, n) that adds n months to a value
// named name, which parse reads and format writes.
func plusMonths[T any](name string, parse func(string) (T, error), add func(T, int64) (T, error), format func(T) string) func(context.Context, function.ArgumentsData) (any, *function.FuncError) {
	return func(ctx context.Context, args function.ArgumentsData) (any, *function.FuncError) {
		var text string
		var number *big.Float
		if err := args.Get(ctx, &text, &number); err != nil {
			return nil, err
		}
		v, err := parse(text)
		if err != nil {
			return nil, argumentError(0, name, err)
		}
		n, err := wholeMonths(number)
		if err != nil {
			return nil, argumentError(1, "n", err)
		}
		sum, err := add(v, n)
		if err != nil {
			return nil, argumentError(1, "n", fmt.Errorf("%s plus %d months is %w", text, n, err))
		}
		return format(sum), nil
	}
}

// argumentError is the function error of the argument at position, named
// in the message too (not every CLI prints the parameter's name).
func argumentError(position int64, name string, err error) *function.FuncError {
	return function.NewArgumentFuncError(position, fmt.Sprintf("%s: %s", name, err))
}
