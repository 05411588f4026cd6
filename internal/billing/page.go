package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// page is one HAL page. The counters are pointers: the usage endpoint
// documents pages without them.
type page[S listed] struct {
	Count      *int        `json:"count"`
	Page       *int        `json:"page"`
	PerPage    *int        `json:"per_page"`
	Total      *int        `json:"total"`
	TotalPages *int        `json:"total_pages"`
	Embedded   embedded[S] `json:"_embedded"`
	Links      struct {
		Next *link `json:"next"`
		Last *link `json:"last"`
	} `json:"_links"`
}

// link is a HAL link.
type link struct {
	Href string `json:"href"`
}

// href is the link's target, or "" when absent.
func (l *link) href() string {
	if l == nil {
		return ""
	}
	return l.Href
}

// embedded decodes the collection key of _embedded and skips any other.
type embedded[S listed] struct {
	key   string
	items S
}

func (e *embedded[S]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), jsonNull) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("_embedded is not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if key, _ := tok.(string); key == e.key {
			if err := decodeItems(dec, &e.items); err != nil {
				return fmt.Errorf("_embedded.%s: %w", e.key, err)
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

// decodeItems decodes the records of a page: usage straight into compact
// rows, other collections into their records.
func decodeItems[S listed](dec *json.Decoder, items *S) error {
	if rows, ok := any(items).(**UsageRows); ok {
		var err error
		*rows, err = decodeUsageRows(dec)
		return err
	}
	return dec.Decode(items)
}

// plan returns the page count and page size when the first page's counters
// describe the collection completely and consistently; ok is false when a
// client must follow the next links instead.
func (p *page[S]) plan(requested int) (pages, perPage int, ok bool) {
	if p.Total == nil || p.TotalPages == nil || *p.Total < 0 || *p.TotalPages < 0 {
		return 0, 0, false
	}
	perPage = requested
	if p.PerPage != nil && *p.PerPage > 0 {
		perPage = *p.PerPage
	}
	total, n := *p.Total, *p.TotalPages
	if n != (total+perPage-1)/perPage || view(p.Embedded.items).Len() != min(perPage, total) {
		return 0, 0, false
	}
	return n, perPage, true
}

// decodePage reads one complete page document from r.
func decodePage[S listed](r io.Reader, collection string) (*page[S], error) {
	p := &page[S]{Embedded: embedded[S]{key: collection}}
	dec := json.NewDecoder(r)
	if err := dec.Decode(p); err != nil {
		return nil, err
	}
	// Anything but white space after the document means it was not one page.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the page document")
	}
	items := view(p.Embedded.items)
	if p.Count != nil && *p.Count != items.Len() {
		return nil, fmt.Errorf("page says count %d but holds %d records", *p.Count, items.Len())
	}
	for i := range items.Len() {
		if items.rowID(i) == "" {
			return nil, fmt.Errorf("%s record %d has no id", collection, i)
		}
	}
	return p, nil
}

// fetchPage GETs and decodes one page under the client's request policy.
func fetchPage[S listed](ctx context.Context, c *Client, ep endpoint, rawURL string) (*page[S], error) {
	var p *page[S]
	err := c.getJSON(ctx, rawURL, func(r io.Reader) error {
		var err error
		p, err = decodePage[S](r, ep.collection)
		return err
	})
	return p, err
}
