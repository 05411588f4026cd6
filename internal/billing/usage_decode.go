package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// rawUsage is one usage record as the page holds it: each field's JSON
// text, in buffers reused from record to record, so decoding a page makes
// no Usage structs and no strings but the new distinct values.
type rawUsage struct {
	ID            json.RawMessage `json:"id"`
	AccountID     json.RawMessage `json:"account_id"`
	ProductID     json.RawMessage `json:"product_id"`
	AggrProductID json.RawMessage `json:"aggr_product_id"`
	Month         json.RawMessage `json:"month"`
	Type          json.RawMessage `json:"type"`
	Description   json.RawMessage `json:"description"`
	Currency      json.RawMessage `json:"currency"`
	Direction     json.RawMessage `json:"direction"`
	Resolution    json.RawMessage `json:"resolution"`
	Unit          json.RawMessage `json:"unit"`
	Price         json.RawMessage `json:"price"`
	WalletName    json.RawMessage `json:"wallet_name"`
	NumberOfUnits json.RawMessage `json:"number_of_units"`
	TotalAmount   json.RawMessage `json:"total_amount"`
}

// strings are the string fields in UsageField order.
func (r *rawUsage) strings() [usageStringFields]*json.RawMessage {
	return [...]*json.RawMessage{&r.AccountID, &r.ProductID, &r.AggrProductID, &r.Month, &r.Type,
		&r.Description, &r.Currency, &r.Direction, &r.Resolution, &r.Unit, &r.WalletName}
}

// numbers are the number fields in UsageNumberField order.
func (r *rawUsage) numbers() [usageNumberFields]*json.RawMessage {
	return [...]*json.RawMessage{&r.Price, &r.NumberOfUnits, &r.TotalAmount}
}

// reset empties every field (an absent key is null), keeping the buffers.
func (r *rawUsage) reset() {
	r.ID = r.ID[:0]
	for _, f := range r.strings() {
		*f = (*f)[:0]
	}
	for _, f := range r.numbers() {
		*f = (*f)[:0]
	}
}

// decodeUsageRows decodes a JSON array of usage records (or null) from
// dec straight into a set, with the rules of the Usage struct: null or
// absent fields are null, strings may be escaped, numbers may be quoted.
func decodeUsageRows(dec *json.Decoder) (*UsageRows, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("usage records are not an array (got %v)", tok)
	}
	b := NewUsageRowsBuilder(PageSize)
	var raw rawUsage
	for dec.More() {
		raw.reset()
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		if err := b.addRaw(&raw); err != nil {
			return nil, fmt.Errorf("usage record %d: %w", b.Len(), err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, err
	}
	return b.Build(), nil
}

// addRaw appends one decoded record.
func (b *UsageRowsBuilder) addRaw(r *rawUsage) error {
	row := usageRow{start: len(b.set.arena)}
	for f, p := range r.strings() {
		ref, err := b.rawString(*p)
		if err != nil {
			return fmt.Errorf("%s: %w", usageFieldNames[f], err)
		}
		row.str[f] = ref
	}
	// The id is a string (an absent or null id is "", which the page
	// check refuses).
	id, err := rawIDText(r.ID)
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	b.appendText(id)
	for k, p := range r.numbers() {
		if len(*p) == 0 || bytes.Equal(*p, jsonNull) {
			b.appendText(nil)
			continue
		}
		n, err := numberText(*p)
		if err != nil {
			return fmt.Errorf("%s: %w", usageNumberNames[k], err)
		}
		b.appendText(n)
	}
	b.set.rows = append(b.set.rows, row)
	return nil
}

// rawIDText is the text of a JSON string, unescaped when it must be.
func rawIDText(v json.RawMessage) ([]byte, error) {
	if len(v) == 0 || bytes.Equal(v, jsonNull) {
		return nil, nil
	}
	if plainJSONString(v) {
		return v[1 : len(v)-1], nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// plainJSONString reports whether v is a JSON string whose text is its
// value: no escapes, valid UTF-8.
func plainJSONString(v []byte) bool {
	return len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v)
}

// rawString interns a JSON string (0 for null or absent).
func (b *UsageRowsBuilder) rawString(v json.RawMessage) (uint32, error) {
	if len(v) == 0 || bytes.Equal(v, jsonNull) {
		return 0, nil
	}
	// Invalid UTF-8 and escapes take the slow path, which decodes them as
	// encoding/json does.
	if plainJSONString(v) {
		return b.internBytes(v[1 : len(v)-1]), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return 0, err
	}
	return b.intern(s), nil
}

// The API keys of the fields, for errors.
var (
	usageFieldNames = [usageStringFields]string{"account_id", "product_id", "aggr_product_id", "month", "type",
		"description", "currency", "direction", "resolution", "unit", "wallet_name"}
	usageNumberNames = [usageNumberFields]string{"price", "number_of_units", "total_amount"}
)
