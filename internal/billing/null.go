package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// Null is a JSON value that may be null. Valid is false for null or an
// absent key, so null stays distinct from a zero value.
type Null[T string | bool | Number] struct {
	Value T
	Valid bool
}

// Of returns a valid Null holding v.
func Of[T string | bool | Number](v T) Null[T] { return Null[T]{Value: v, Valid: true} }

// Ptr returns a pointer to the value, or nil when null.
func (n Null[T]) Ptr() *T {
	if !n.Valid {
		return nil
	}
	v := n.Value
	return &v
}

var jsonNull = []byte("null")

// UnmarshalJSON decodes null, or a value of T. Strings take a fast path
// because usage pages carry hundreds of thousands of them.
func (n *Null[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, jsonNull) {
		var zero T
		n.Value, n.Valid = zero, false
		return nil
	}
	switch v := any(&n.Value).(type) {
	case *string:
		// Invalid UTF-8 takes the slow path, which replaces it as encoding/json does.
		if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
			*v = string(b[1 : len(b)-1])
		} else if err := json.Unmarshal(b, v); err != nil {
			return err
		}
	case *bool:
		if err := json.Unmarshal(b, v); err != nil {
			return err
		}
	case *Number:
		num, err := parseNumber(b)
		if err != nil {
			return err
		}
		*v = num
	}
	n.Valid = true
	return nil
}

// MarshalJSON encodes the value, or null.
func (n Null[T]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return jsonNull, nil
	}
	if num, ok := any(n.Value).(Number); ok {
		return []byte(num), nil
	}
	return json.Marshal(n.Value)
}

// Number is a JSON number kept as the literal the API sent, so amounts
// are exact: no float64 rounding between the API and the caller.
type Number string

// parseNumber accepts a JSON number, or a string holding one (some APIs
// quote decimals; the value is the same).
func parseNumber(b []byte) (Number, error) {
	t, err := numberText(b)
	if err != nil {
		return "", err
	}
	return Number(t), nil
}

// numberText is parseNumber without the copy: the number's text, which
// shares b unless the quoted form had escapes.
func numberText(b []byte) ([]byte, error) {
	t := b
	if len(b) >= 2 && b[0] == '"' {
		if bytes.IndexByte(b, '\\') < 0 && b[len(b)-1] == '"' {
			t = b[1 : len(b)-1]
		} else {
			var s string
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, err
			}
			t = []byte(s)
		}
	}
	if !isJSONNumberText(t) {
		return nil, fmt.Errorf("%s is not a number", b)
	}
	return t, nil
}

// isJSONNumberText checks the JSON number grammar exactly:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func isJSONNumberText(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

// Float returns the number with precision bits (Terraform uses 512).
func (n Number) Float(prec uint) (*big.Float, error) {
	f, _, err := big.ParseFloat(string(n), 10, prec, big.ToNearestEven)
	return f, err
}

// Rat returns the number as an exact rational.
func (n Number) Rat() (*big.Rat, bool) {
	return new(big.Rat).SetString(string(n))
}

// Float64 returns the nearest float64.
func (n Number) Float64() (float64, error) {
	return strconv.ParseFloat(string(n), 64)
}
