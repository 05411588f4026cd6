package billing

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client reads the Billing Insights API. It is safe for concurrent use;
// every request of one Client shares its token, limiter and retry policy.
type Client struct {
	http           *http.Client
	baseURL        *url.URL
	tokenURL       string
	clientID       string
	userAgent      string
	requestTimeout time.Duration
	tokens         tokenSource
	// scopes are the configured scopes of client credentials; nil when
	// left to the default or with a ready access token.
	scopes  []string
	limiter *adaptiveLimiter
	retry   retrier
	// pageWorkers bounds the pages of one listing in flight at once.
	pageWorkers int
	// pageSizes holds, per endpoint path, a page size smaller than
	// PageSize that the API accepts (see smallerPages).
	pageSizes sync.Map
	// filterRefused holds the endpoint paths whose API refused the filter
	// parameter; they are read unfiltered and filtered locally.
	filterRefused sync.Map
	// snapshot holds the listings read by this Client (one per process).
	snapshot snapshot
	// cache is the snapshot's lower layer for usage (nil when off).
	cache    *monthCache
	warnings warnings
	stats    struct{ requests, throttled, retries atomic.Int64 }
}

// Stats are counters of a Client since it was made.
type Stats struct {
	// Requests counts API requests sent (token requests excluded).
	Requests int64
	// Throttled counts 429 answers.
	Throttled int64
	// Retries counts retries of API and token requests.
	Retries int64
	// TokenRequests counts token endpoint requests.
	TokenRequests int
	// Rate is the current pace in requests per second.
	Rate float64
}

// New validates cfg and builds a Client. No request is sent.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	apiBase, tokenURL, err := cfg.ResolvedURLs()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(apiBase)
	if err != nil {
		return nil, err
	}
	rps := cfg.RequestsPerSecond
	if rps == 0 {
		rps = DefaultRequestsPerSecond
	}
	maxRetries := cfg.MaxRetries
	if maxRetries < 0 {
		maxRetries = DefaultMaxRetries
	}
	policy := DefaultRetryPolicy
	if cfg.RetryPolicy != nil {
		policy = *cfg.RetryPolicy
	}
	hc := defaultHTTPClient()
	if cfg.HTTPClient != nil {
		// A copy, so the caller's client is left as it was; the redirect
		// guard applies whatever client carries the token.
		own := *cfg.HTTPClient
		if own.CheckRedirect == nil {
			own.CheckRedirect = sameHostRedirects
		}
		hc = &own
	}
	c := &Client{
		http: hc, baseURL: base, tokenURL: tokenURL, clientID: cfg.ClientID,
		userAgent: cfg.UserAgent, requestTimeout: cfg.RequestTimeout,
		limiter:     newAdaptiveLimiter(rps, cfg.Logger),
		pageWorkers: min(32, int(rps/2)+2),
	}
	c.limiter.shareHost(hostPace(cfg))
	if c.userAgent == "" {
		c.userAgent = "terraform-provider-talkdesk-billing"
	}
	if c.requestTimeout == 0 {
		c.requestTimeout = DefaultRequestTimeout
	}
	c.retry = retrier{policy: policy, maxRetries: maxRetries, limiter: c.limiter, log: cfg.Logger,
		onRetry: func() { c.stats.retries.Add(1) }}
	if cfg.AccessToken != "" {
		c.tokens = staticToken(cfg.AccessToken)
	} else {
		c.tokens = newCachedTokenSource(cfg, tokenURL, hc, c.retry)
		c.scopes = slices.Clone(cfg.Scopes)
	}
	if err := c.openCache(cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// defaultHTTPClient verifies TLS (always), honours the standard proxy
// variables, and leaves per-attempt timeouts to the request context.
func defaultHTTPClient() *http.Client {
	t := &http.Transport{}
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		t = def.Clone() // keeps the standard dial and TLS timeouts
	}
	t.Proxy = http.ProxyFromEnvironment
	t.MaxIdleConnsPerHost = 64
	if t.DialContext == nil {
		t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = refuseInvalidNames(t.DialContext)
	return &http.Client{Transport: t, CheckRedirect: sameHostRedirects}
}

// refuseInvalidNames answers "no such host" at once for names under the
// reserved top-level domain "invalid", as RFC 6761 asks resolvers to: no
// lookup leaves the machine for a name that can never exist.
func refuseInvalidNames(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err == nil {
			host = strings.ToLower(strings.TrimSuffix(host, "."))
			if host == "invalid" || strings.HasSuffix(host, ".invalid") {
				return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
			}
		}
		return dial(ctx, network, addr)
	}
}

// sameHostRedirects keeps the bearer token on the host it was issued for.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host || (via[0].URL.Scheme == "https" && req.URL.Scheme != "https") {
		return fmt.Errorf("%w from %s to %s", errRedirectRefused, via[0].URL.Host, req.URL.Redacted())
	}
	return nil
}

// errRedirectRefused marks a redirect off the API host: final, not retried.
var errRedirectRefused = errors.New("refusing a redirect")

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	s := Stats{
		Requests: c.stats.requests.Load(), Throttled: c.stats.throttled.Load(),
		Retries: c.stats.retries.Load(), Rate: c.limiter.Rate(),
	}
	if ts, ok := c.tokens.(*cachedTokenSource); ok {
		s.TokenRequests = ts.Fetches()
	}
	return s
}

// BaseURL is the API base URL requests go to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// Accounts lists the Talkdesk instances under the organization.
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	return list[[]Account](ctx, c, endpointAccounts, Query{})
}

// Products lists the price book.
func (c *Client) Products(ctx context.Context) ([]Product, error) {
	return list[[]Product](ctx, c, endpointProducts, Query{})
}

// Subscriptions lists contract lines, narrowed by q.AccountIDs on the server.
func (c *Client) Subscriptions(ctx context.Context, q Query) ([]Subscription, error) {
	return list[[]Subscription](ctx, c, endpointSubscriptions, Query{AccountIDs: q.AccountIDs})
}

// InvoiceLines lists invoice lines, narrowed by q.AccountIDs on the server.
func (c *Client) InvoiceLines(ctx context.Context, q Query) ([]InvoiceLine, error) {
	return list[[]InvoiceLine](ctx, c, endpointInvoices, Query{AccountIDs: q.AccountIDs})
}

// Usage lists monthly usage, narrowed by q.AccountIDs and q.Months on the
// server, as compact rows. The set may be shared with other callers of this
// Client: it is immutable.
func (c *Client) Usage(ctx context.Context, q Query) (*UsageRows, error) {
	if c.cache != nil {
		return c.cachedUsage(ctx, q)
	}
	rows, err := list[*UsageRows](ctx, c, endpointUsage, q)
	if err == nil && rows == nil {
		rows = &UsageRows{}
	}
	return rows, err
}
