package billing

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// The binary form of a UsageRows set, self-contained (the cache of
// closed months keeps sets in files):
//
//	magic "TDUSAGE" and a format version byte
//	uvarint string count, then each string: uvarint length, bytes
//	uvarint row count, then each row: the refs of its string fields
//	  (uvarint each, 0 null, r > 0 the r-th string), the id (uvarint
//	  length ≥ 1, bytes) and the numbers (uvarint length, 0 null, bytes)
//	CRC-32C of everything before it, 4 bytes little-endian
const (
	usageRowsMagic   = "TDUSAGE"
	usageRowsVersion = 1
	// minEncodedRow is the fewest bytes a row takes: a byte per ref and
	// per number length, and an id of one byte after its length.
	minEncodedRow = int(usageStringFields) + 2 + int(usageNumberFields)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalBinary encodes the set in its self-contained binary form.
func (s *UsageRows) MarshalBinary() ([]byte, error) {
	if s == nil {
		s = &UsageRows{}
	}
	out := make([]byte, 0, len(usageRowsMagic)+1+len(s.arena)+len(s.rows)*int(usageStringFields)*2+16*len(s.strs)+16)
	out = append(out, usageRowsMagic...)
	out = append(out, usageRowsVersion)
	out = binary.AppendUvarint(out, uint64(len(s.strs)))
	for _, v := range s.strs {
		out = binary.AppendUvarint(out, uint64(len(v)))
		out = append(out, v...)
	}
	out = binary.AppendUvarint(out, uint64(len(s.rows)))
	for i := range s.rows {
		for _, ref := range s.rows[i].str {
			out = binary.AppendUvarint(out, uint64(ref))
		}
		out = append(out, s.rowBytes(i)...)
	}
	return binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli)), nil
}

// UnmarshalUsageRows decodes a set from its binary form. Anything but a
// complete, intact encoding of this format version is an error: a wrong
// magic or version, a checksum that does not match, a truncated or
// overlong field, a ref to no string, a repeated string, an empty id or
// a number that is not a JSON number. Lengths are checked against the
// bytes present before anything is allocated.
func UnmarshalUsageRows(data []byte) (*UsageRows, error) {
	header := len(usageRowsMagic) + 1
	if len(data) < header+4 || string(data[:len(usageRowsMagic)]) != usageRowsMagic {
		return nil, errors.New("usage rows: not a usage rows encoding")
	}
	if v := data[len(usageRowsMagic)]; v != usageRowsVersion {
		return nil, fmt.Errorf("usage rows: format version %d, this build reads %d", v, usageRowsVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, errors.New("usage rows: checksum mismatch (truncated or damaged)")
	}
	d := usageDecoder{b: body[header:]}
	s, err := d.set()
	if err != nil {
		return nil, fmt.Errorf("usage rows: %w", err)
	}
	return s, nil
}

// usageDecoder reads the binary form from b, front to back.
type usageDecoder struct{ b []byte }

var errTruncated = errors.New("truncated")

func (d *usageDecoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errTruncated
	}
	d.b = d.b[n:]
	return v, nil
}

// count reads a count of items of at least least bytes each.
func (d *usageDecoder) count(least int) (int, error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if v > uint64(len(d.b)/least) {
		return 0, fmt.Errorf("a count of %d does not fit the %d bytes left", v, len(d.b))
	}
	return int(v), nil
}

// text reads a length and that many bytes.
func (d *usageDecoder) text() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)) {
		return nil, errTruncated
	}
	t := d.b[:n]
	d.b = d.b[n:]
	return t, nil
}

func (d *usageDecoder) set() (*UsageRows, error) {
	nstrs, err := d.count(1)
	if err != nil {
		return nil, fmt.Errorf("strings: %w", err)
	}
	s := &UsageRows{strs: make([]string, nstrs)}
	seen := make(map[string]struct{}, nstrs)
	for i := range s.strs {
		t, err := d.text()
		if err != nil {
			return nil, fmt.Errorf("string %d: %w", i, err)
		}
		if _, dup := seen[string(t)]; dup {
			return nil, fmt.Errorf("string %d repeats an earlier one", i)
		}
		s.strs[i] = string(t)
		seen[s.strs[i]] = struct{}{}
	}
	nrows, err := d.count(minEncodedRow)
	if err != nil {
		return nil, fmt.Errorf("rows: %w", err)
	}
	s.rows = make([]usageRow, nrows)
	// The arena is what is left but the refs: at most the bytes left.
	s.arena = make([]byte, 0, len(d.b)-nrows*int(usageStringFields))
	for i := range s.rows {
		if err := d.row(s, i); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the last row", len(d.b))
	}
	return s, nil
}

func (d *usageDecoder) row(s *UsageRows, i int) error {
	row := &s.rows[i]
	for f := range row.str {
		ref, err := d.uvarint()
		if err != nil {
			return fmt.Errorf("%s: %w", usageFieldNames[f], err)
		}
		if ref > uint64(len(s.strs)) {
			return fmt.Errorf("%s refers to string %d of %d", usageFieldNames[f], ref, len(s.strs))
		}
		row.str[f] = uint32(ref)
	}
	row.start = len(s.arena)
	id, err := d.text()
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	if len(id) == 0 {
		return errors.New("empty id")
	}
	s.arena = binary.AppendUvarint(s.arena, uint64(len(id)))
	s.arena = append(s.arena, id...)
	for k := range usageNumberFields {
		t, err := d.text()
		if err != nil {
			return fmt.Errorf("%s: %w", usageNumberNames[k], err)
		}
		if len(t) > 0 && !isJSONNumberText(t) {
			return fmt.Errorf("%s %q is not a number", usageNumberNames[k], t)
		}
		s.arena = binary.AppendUvarint(s.arena, uint64(len(t)))
		s.arena = append(s.arena, t...)
	}
	return nil
}
