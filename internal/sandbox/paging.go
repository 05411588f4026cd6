package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
)

// Paging limits, as documented.
const (
	defaultPerPage = 50
	maxPerPage     = 250
)

// pageRequest is a validated page/per_page/filter triple.
type pageRequest struct {
	page, perPage int
	rawFilter     string // as received, echoed in links
	filter        *filterNode
}

// parsePageRequest validates the query parameters of a collection request.
// Every invalid parameter gets its own entry in the returned list, so that
// a client fixing one mistake learns about all of them at once.
func parsePageRequest(q url.Values, ep *endpoint) (pageRequest, []fieldError) {
	pr := pageRequest{page: 1, perPage: defaultPerPage}
	var bad []fieldError
	if v, ok := q["page"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 {
			bad = append(bad, fieldError{"page", "must be an integer greater than or equal to 1"})
		}
		pr.page = n
	}
	if v, ok := q["per_page"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxPerPage {
			bad = append(bad, fieldError{"per_page", "must be an integer from 1 to 250"})
		}
		pr.perPage = n
	}
	if v := q.Get("filter"); v != "" {
		f, err := parseFilter(v, ep.fields)
		if err != nil {
			bad = append(bad, fieldError{"filter", err.Error()})
		}
		pr.rawFilter, pr.filter = v, f
	}
	return pr, bad
}

// offset returns the index of the page's first record, saturating instead
// of overflowing for absurd page numbers (which are simply past the end).
func (pr pageRequest) offset() int {
	const maxInt = int(^uint(0) >> 1)
	if pr.page-1 > maxInt/pr.perPage {
		return maxInt
	}
	return (pr.page - 1) * pr.perPage
}

// link is a HAL link.
type link struct {
	Href string `json:"href"`
}

// pageLinks are the _links of a page. Next and Prev are absent on the last
// and first page; Show is only sent by the usage endpoint.
type pageLinks struct {
	Self  link  `json:"self"`
	Show  *link `json:"show,omitempty"`
	First link  `json:"first"`
	Last  link  `json:"last"`
	Next  *link `json:"next,omitempty"`
	Prev  *link `json:"prev,omitempty"`
}

// pageBody is a collection page. The counters are pointers so that the
// usage endpoint can leave them out entirely, as its documentation shows.
type pageBody struct {
	Count      *int           `json:"count,omitempty"`
	Page       *int           `json:"page,omitempty"`
	PerPage    *int           `json:"per_page,omitempty"`
	Total      *int           `json:"total,omitempty"`
	TotalPages *int           `json:"total_pages,omitempty"`
	Embedded   map[string]any `json:"_embedded"`
	Links      pageLinks      `json:"_links"`
}

// newPageBody assembles a page. Links are absolute and built from the Host
// the client used, so that a client following them reaches this server
// whatever address it was given.
func newPageBody(r *http.Request, ep *endpoint, pr pageRequest, items any, count, total int) *pageBody {
	totalPages := (total + pr.perPage - 1) / pr.perPage
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + ep.path + "?"
	href := func(page int) string {
		q := url.Values{}
		if pr.rawFilter != "" {
			q.Set("filter", pr.rawFilter)
		}
		q.Set("page", strconv.Itoa(page))
		q.Set("per_page", strconv.Itoa(pr.perPage))
		return base + q.Encode()
	}
	b := &pageBody{
		Embedded: map[string]any{ep.collection: items},
		Links: pageLinks{
			Self:  link{href(pr.page)},
			First: link{href(1)},
			Last:  link{href(max(1, totalPages))},
		},
	}
	if pr.page < totalPages {
		b.Links.Next = &link{href(pr.page + 1)}
	}
	if pr.page > 1 {
		b.Links.Prev = &link{href(pr.page - 1)}
	}
	if ep.counters {
		b.Count, b.Page, b.PerPage, b.Total, b.TotalPages = &count, &pr.page, &pr.perPage, &total, &totalPages
	} else {
		b.Links.Show = &link{b.Links.Self.Href}
	}
	return b
}
