package sandbox

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxFilterLength is the documented limit of a filter expression, in
// characters.
const maxFilterLength = 1600

// filterNode is a parsed filter expression: either a comparison
// (field eq 'value') or an and/or of two sub-expressions.
type filterNode struct {
	op           string // "eq", "and" or "or"
	field, value string // "eq" only
	left, right  *filterNode
}

// filterError is a user error in a filter expression; its text becomes the
// description of the 400 response's "filter" field entry.
type filterError struct{ msg string }

func (e *filterError) Error() string { return e.msg }

func filterErrorf(format string, args ...any) error {
	return &filterError{fmt.Sprintf(format, args...)}
}

// parseFilter parses expr with the documented grammar:
//
//	expr   = term { "or" term }
//	term   = factor { "and" factor }
//	factor = "(" expr ")" | field "eq" string
//	string = "'" { char | "''" } "'"
//
// Keywords are case-insensitive; "and" binds tighter than "or". Only the
// fields in allowed may be compared.
func parseFilter(expr string, allowed []string) (*filterNode, error) {
	if n := utf8.RuneCountInString(expr); n > maxFilterLength {
		return nil, filterErrorf("expression is %d characters long; the maximum is %d", n, maxFilterLength)
	}
	toks, err := lexFilter(expr)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks, allowed: allowed}
	node, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, filterErrorf("syntax error at position %d: unexpected %s", t.pos+1, t.describe())
	}
	return node, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokWord
	tokString
)

type filterToken struct {
	kind tokKind
	text string // word text, or the unquoted string value
	pos  int    // byte offset in the expression
}

func (t filterToken) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokString:
		return "string literal"
	}
	return fmt.Sprintf("%q", t.text)
}

// is reports whether t is the keyword kw, ignoring case.
func (t filterToken) is(kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

// lexFilter splits the expression into tokens.
func lexFilter(s string) ([]filterToken, error) {
	var toks []filterToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, filterToken{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, filterToken{tokRParen, ")", i})
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			for i++; ; i++ {
				if i >= len(s) {
					return nil, filterErrorf("syntax error at position %d: unterminated string literal", start+1)
				}
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i++
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
			}
			toks = append(toks, filterToken{tokString, b.String(), start})
		case isWordByte(c):
			start := i
			for i < len(s) && isWordByte(s[i]) {
				i++
			}
			toks = append(toks, filterToken{tokWord, s[start:i], start})
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, filterErrorf("syntax error at position %d: unexpected character %q", i+1, r)
		}
	}
	return append(toks, filterToken{tokEOF, "", len(s)}), nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

type filterParser struct {
	toks    []filterToken
	i       int
	allowed []string
}

func (p *filterParser) peek() filterToken { return p.toks[p.i] }

func (p *filterParser) next() filterToken {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *filterParser) parseOr() (*filterNode, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().is("or") {
		p.next()
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = &filterNode{op: "or", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseAnd() (*filterNode, error) {
	left, err := p.parseFactor()
	if err != nil {
		return nil, err
	}
	for p.peek().is("and") {
		p.next()
		right, err := p.parseFactor()
		if err != nil {
			return nil, err
		}
		left = &filterNode{op: "and", left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseFactor() (*filterNode, error) {
	t := p.next()
	if t.kind == tokLParen {
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, filterErrorf("syntax error at position %d: expected ')' but found %s", c.pos+1, c.describe())
		}
		return n, nil
	}
	if t.kind != tokWord || t.is("and") || t.is("or") || t.is("eq") {
		return nil, filterErrorf("syntax error at position %d: expected a field name or '(' but found %s", t.pos+1, t.describe())
	}
	if !contains(p.allowed, t.text) {
		if len(p.allowed) == 0 {
			return nil, filterErrorf("unknown field %q: this endpoint cannot be filtered", t.text)
		}
		return nil, filterErrorf("unknown field %q: allowed fields are %s", t.text, strings.Join(p.allowed, ", "))
	}
	if op := p.next(); !op.is("eq") {
		return nil, filterErrorf("syntax error at position %d: expected 'eq' but found %s", op.pos+1, op.describe())
	}
	v := p.next()
	if v.kind != tokString {
		return nil, filterErrorf("syntax error at position %d: expected a quoted value but found %s", v.pos+1, v.describe())
	}
	return &filterNode{op: "eq", field: t.text, value: v.text}, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// values returns every literal compared with field, in expression order.
func (n *filterNode) values(field string) []string {
	if n == nil {
		return nil
	}
	if n.op == "eq" {
		if n.field == field {
			return []string{n.value}
		}
		return nil
	}
	return append(n.left.values(field), n.right.values(field)...)
}

// compileFilter turns the expression into a predicate over records of type
// T. Field accessors are resolved once here so that scanning a large
// collection costs no allocation per record. A nil expression matches all.
func compileFilter[T any](n *filterNode, field func(name string) func(*T) string) func(*T) bool {
	if n == nil {
		return nil
	}
	switch n.op {
	case "and":
		l, r := compileFilter(n.left, field), compileFilter(n.right, field)
		return func(v *T) bool { return l(v) && r(v) }
	case "or":
		l, r := compileFilter(n.left, field), compileFilter(n.right, field)
		return func(v *T) bool { return l(v) || r(v) }
	}
	get, want := field(n.field), n.value
	return func(v *T) bool { return get(v) == want }
}
