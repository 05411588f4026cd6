package provider

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// decimalSum adds decimal literals exactly. Amounts are short decimals,
// so the sum is kept as an integer count of 10^-scale units while it fits
// an int64, and as a rational beyond: exact either way, and a hundred
// thousand rows take milliseconds instead of a big.Rat normalization
// (and its allocations) per row.
type decimalSum struct {
	units int64
	exact *big.Rat
	scale int32 // decimal places of units
	// set is true once a value was added.
	set bool
}

// pow10 are the powers of ten an int64 holds.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// add adds a JSON number literal; false when n is not one (the client
// admits only JSON numbers).
func (s *decimalSum) add(n billing.Number) bool {
	if s.exact == nil {
		if units, scale, ok := parseSmallDecimal(string(n)); ok && s.addSmall(units, scale) {
			s.set = true
			return true
		}
		s.exact = s.rat()
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return false
	}
	s.exact.Add(s.exact, r)
	s.set = true
	return true
}

func (s *decimalSum) addSmall(units int64, scale int) bool {
	// Bring both to the larger scale.
	sum, sumScale := s.units, int(s.scale)
	for ; sumScale < scale; sumScale++ {
		if sum > math.MaxInt64/10 || sum < math.MinInt64/10 {
			return false
		}
		sum *= 10
	}
	for ; scale < sumScale; scale++ {
		if units > math.MaxInt64/10 || units < math.MinInt64/10 {
			return false
		}
		units *= 10
	}
	total := sum + units
	if (units > 0 && total < sum) || (units < 0 && total > sum) {
		return false
	}
	s.units, s.scale = total, int32(sumScale)
	return true
}

// parseSmallDecimal reads a JSON number as units × 10^-scale when both fit
// comfortably (at most 18 significant digits, scale 0..18). It reads the
// literal in place and in one pass: a summary calls it twice per row.
func parseSmallDecimal(lit string) (units int64, scale int, ok bool) {
	i, neg := 0, false
	if i < len(lit) && lit[i] == '-' {
		neg, i = true, 1
	}
	var u int64
	significant, intDigits, fracDigits, point := 0, 0, 0, false
	for ; i < len(lit); i++ {
		c := lit[i]
		switch {
		case '0' <= c && c <= '9':
			if point {
				fracDigits++
			} else {
				intDigits++
			}
			if u == 0 && c == '0' {
				continue // leading zeros are not significant
			}
			if significant++; significant > 18 {
				return 0, 0, false
			}
			u = u*10 + int64(c-'0')
		case c == '.' && !point && intDigits > 0:
			point = true
		case (c == 'e' || c == 'E') && intDigits > 0:
			e, err := strconv.Atoi(lit[i+1:])
			if err != nil || e > 18 || e < -18 {
				return 0, 0, false
			}
			scale -= e
			i = len(lit)
		default:
			return 0, 0, false
		}
	}
	if intDigits == 0 {
		return 0, 0, false
	}
	if neg {
		u = -u
	}
	scale += fracDigits
	for ; scale < 0; scale++ {
		if u > math.MaxInt64/10 || u < math.MinInt64/10 {
			return 0, 0, false
		}
		u *= 10
	}
	if scale > 18 {
		return 0, 0, false
	}
	return u, scale, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rat is the sum as a rational.
func (s *decimalSum) rat() *big.Rat {
	if s.exact != nil {
		return new(big.Rat).Set(s.exact)
	}
	return new(big.Rat).SetFrac(big.NewInt(s.units), big.NewInt(pow10[s.scale]))
}

// number is the sum as the decimal literal it is.
func (s *decimalSum) number() billing.Number {
	if s.exact != nil {
		return decimalNumber(s.exact)
	}
	neg := s.units < 0
	digits := strconv.FormatUint(absInt64(s.units), 10)
	if scale := int(s.scale); scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		point := len(digits) - scale
		digits = strings.TrimRight(digits[:point]+"."+digits[point:], "0")
		digits = strings.TrimSuffix(digits, ".")
	}
	if neg {
		digits = "-" + digits
	}
	return billing.Number(digits)
}

func absInt64(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}

// decimalNumber writes an exact rational as the decimal literal it is
// (every sum of decimal literals has one), so a computed number reaches
// Terraform through the same path as a number the API sent: 0.1 + 0.2
// is "0.3", not a binary fraction.
func decimalNumber(r *big.Rat) billing.Number {
	if r.IsInt() {
		return billing.Number(r.Num().String())
	}
	// A denominator 2^a·5^b needs max(a, b) decimal places.
	d := new(big.Int).Set(r.Denom())
	twos := d.TrailingZeroBits()
	d.Rsh(d, twos)
	fives := uint(0)
	five, q, m := big.NewInt(5), new(big.Int), new(big.Int)
	for {
		q.QuoRem(d, five, m)
		if m.Sign() != 0 {
			break
		}
		d.Set(q)
		fives++
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		// Not a finite decimal (no sum of API numbers is): the shortest
		// text that Terraform reads back as the same 512-bit number.
		return billing.Number(new(big.Float).SetPrec(numberPrecision).SetRat(r).Text('g', -1))
	}
	return billing.Number(r.FloatString(int(max(twos, fives))))
}
