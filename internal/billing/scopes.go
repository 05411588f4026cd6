package billing

import (
	"net/url"
	"slices"
	"strings"
)

// Endpoint names one collection of the API by its path. A caller that
// declares the endpoint it reads learns the scope it needs before any
// request (see Client.MissingScope).
type Endpoint string

// The API's collections.
var (
	EndpointAccounts      = Endpoint(endpointAccounts.path)
	EndpointProducts      = Endpoint(endpointProducts.path)
	EndpointSubscriptions = Endpoint(endpointSubscriptions.path)
	EndpointInvoices      = Endpoint(endpointInvoices.path)
	EndpointUsage         = Endpoint(endpointUsage.path)
)

// endpointScopes is the scope each endpoint requires, as documented.
var endpointScopes = map[Endpoint]string{
	EndpointAccounts:      ScopeAccounts,
	EndpointProducts:      ScopeProducts,
	EndpointSubscriptions: ScopeSubscriptions,
	EndpointInvoices:      ScopeInvoices,
	EndpointUsage:         ScopeUsage,
}

// Scope is the OAuth scope reading e requires; "" for an unknown endpoint.
func (e Endpoint) Scope() string { return endpointScopes[e] }

// MissingScope is the scope e requires when the client was configured
// with a scope list that lacks it; "" when the scopes were left to the
// default (every read scope) or the client uses a ready access token.
func (c *Client) MissingScope(e Endpoint) string {
	need := e.Scope()
	if c.scopes == nil || need == "" || slices.Contains(c.scopes, need) {
		return ""
	}
	return need
}

// scopeOfURL is the scope of the endpoint rawURL reads, under base.
func scopeOfURL(base *url.URL, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	path := strings.TrimPrefix(u.Path, strings.TrimRight(base.Path, "/"))
	return Endpoint(path).Scope()
}
