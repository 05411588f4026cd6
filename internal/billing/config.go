package billing

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Regions maps each Talkdesk region to its API base URL and token URL
// template ({account} is replaced with the account name).
var Regions = map[string]struct{ APIBaseURL, TokenURLTemplate string }{
	"us": {"https://api.talkdeskapp.com", "https://{account}.talkdeskid.com/oauth/token"},
	"eu": {"https://api.talkdeskapp.eu", "https://{account}.talkdeskid.eu/oauth/token"},
	"ca": {"https://api.talkdeskappca.com", "https://{account}.talkdeskidca.com/oauth/token"},
	"au": {"https://api.talkdeskapp.au", "https://{account}.talkdeskid.au/oauth/token"},
}

// RegionNames lists the accepted region names in documentation order.
var RegionNames = []string{"us", "eu", "ca", "au"}

// DefaultRegion is used when no region is configured.
const DefaultRegion = "us"

// DefaultScopes are the five read scopes, one per endpoint.
var DefaultScopes = []string{
	ScopeAccounts, ScopeProducts, ScopeSubscriptions, ScopeInvoices, ScopeUsage,
}

// Scopes, one per endpoint.
const (
	ScopeAccounts      = "express-accounts:read"
	ScopeProducts      = "express-products:read"
	ScopeSubscriptions = "express-accounts-subscriptions:read"
	ScopeInvoices      = "express-accounts-invoices:read"
	ScopeUsage         = "express-accounts-usage:read"
)

// Defaults for the tunables.
const (
	DefaultRequestsPerSecond = 25
	DefaultMaxRetries        = 6
	DefaultRequestTimeout    = 60 * time.Second
	// PageSize is the largest page the API serves.
	PageSize = 250
	// MaxFilterLength is the longest filter expression the API accepts.
	MaxFilterLength = 1600
)

// Config describes how to reach and authenticate to the API. Zero values
// take the documented defaults, except MaxRetries, where 0 means no
// retries (use a negative value for the default); Validate reports every
// problem at once.
type Config struct {
	// Region selects the hosts when APIBaseURL or TokenURL is empty.
	Region string
	// AccountName is the Talkdesk account owning the OAuth client; it is
	// part of the regional token URL.
	AccountName string
	// APIBaseURL and TokenURL override the regional URLs.
	APIBaseURL string
	TokenURL   string

	// ClientID with ClientSecret (client_secret_basic) or with PrivateKey
	// and KeyID (private_key_jwt) obtains tokens; AccessToken instead uses
	// a ready bearer token.
	ClientID     string
	ClientSecret string
	PrivateKey   *ecdsa.PrivateKey
	KeyID        string
	AccessToken  string

	// Scopes requested with client credentials; nil means DefaultScopes.
	Scopes []string

	// RequestsPerSecond caps the pace of every request of this client,
	// and of every provider process of this host reading the same
	// Organization: they share one pace (see internal/hostpace) unless
	// PaceAlone is set or the organization cannot be named.
	RequestsPerSecond float64
	// PaceAlone paces this client alone, as if no other process of the
	// host read the organization.
	PaceAlone bool
	// MaxRetries bounds the retries of one request (attempts = 1 + MaxRetries).
	// Negative means DefaultMaxRetries; 0 disables retries.
	MaxRetries int
	// RetryPolicy overrides the backoff timings; nil means the defaults.
	RetryPolicy *RetryPolicy
	// RequestTimeout bounds one HTTP attempt; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// CacheDir, when set, keeps closed usage months in files of this
	// directory across runs (see month_cache.go); empty writes nothing.
	CacheDir string
	// CacheMaxAge is how long a closed month is served from CacheDir
	// after it was read; 0 means DefaultCacheMaxAge.
	CacheMaxAge time.Duration
	// CacheRefresh reads every month from the API and rewrites CacheDir.
	CacheRefresh bool
	// Clock tells the time for the cache's calendar; nil means time.Now.
	Clock func() time.Time

	// UserAgent is sent with every request.
	UserAgent string
	// HTTPClient is used for every request, token requests included.
	HTTPClient *http.Client
	// Logger receives debug and warning events (never secrets); nil is silent.
	Logger Logger
}

// Logger receives client events. Fields never carry secrets.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

// ResolvedURLs returns the API base URL and token URL this config selects.
func (c Config) ResolvedURLs() (apiBase, tokenURL string, err error) {
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	r, ok := Regions[region]
	if !ok {
		return "", "", fmt.Errorf("unknown region %q: accepted regions are %s", region, strings.Join(RegionNames, ", "))
	}
	apiBase = strings.TrimRight(c.APIBaseURL, "/")
	if apiBase == "" {
		apiBase = r.APIBaseURL
	}
	tokenURL = c.TokenURL
	if tokenURL == "" && c.AccessToken == "" {
		if c.AccountName == "" {
			return apiBase, "", errors.New("account name is required to build the token URL (or set the token URL)")
		}
		tokenURL = strings.ReplaceAll(r.TokenURLTemplate, "{account}", c.AccountName)
	}
	return apiBase, tokenURL, nil
}

// Validate reports every configuration problem, joined.
func (c Config) Validate() error {
	var errs []error
	apiBase, tokenURL, err := c.ResolvedURLs()
	if err != nil {
		errs = append(errs, err)
	}
	if apiBase != "" {
		if err := CheckURL(apiBase); err != nil {
			errs = append(errs, fmt.Errorf("API base URL: %w", err))
		}
	}
	if tokenURL != "" {
		if err := CheckURL(tokenURL); err != nil {
			errs = append(errs, fmt.Errorf("token URL: %w", err))
		}
	}
	if c.AccountName != "" && !ValidAccountName(c.AccountName) {
		errs = append(errs, fmt.Errorf("account name %q is not a Talkdesk account name (letters, digits and hyphens)", c.AccountName))
	}
	switch {
	case c.AccessToken != "" && (c.ClientID != "" || c.ClientSecret != "" || c.PrivateKey != nil):
		errs = append(errs, errors.New("an access token and client credentials are mutually exclusive"))
	case c.AccessToken != "":
	case c.ClientID == "":
		errs = append(errs, errors.New("a client id (with a client secret or a private key) or an access token is required"))
	case c.ClientSecret != "" && c.PrivateKey != nil:
		errs = append(errs, errors.New("a client secret and a private key are mutually exclusive"))
	case c.ClientSecret == "" && c.PrivateKey == nil:
		errs = append(errs, errors.New("a client secret or a private key is required with a client id"))
	case c.PrivateKey != nil && c.KeyID == "":
		errs = append(errs, errors.New("a key id is required with a private key"))
	}
	if c.CacheMaxAge < 0 {
		errs = append(errs, fmt.Errorf("cache max age must be positive, got %v", c.CacheMaxAge))
	}
	if c.RequestsPerSecond < 0 {
		errs = append(errs, fmt.Errorf("requests per second must be positive, got %v", c.RequestsPerSecond))
	}
	return errors.Join(errs...)
}

// ValidAccountName reports whether s looks like a Talkdesk account
// (sub-domain) name, which is embedded in the token host.
func ValidAccountName(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// CheckURL accepts absolute https URLs, and http only on a loopback host,
// so that credentials and tokens never travel in clear text.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// The raw text may hold a password: say where it failed, not what it was.
		return errors.New("the value is not a URL: use an absolute https URL, e.g. https://api.talkdeskapp.com")
	}
	if u.User != nil {
		return fmt.Errorf("%q must not embed credentials", redactURL(u))
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%q uses http on a non-loopback host; use https so tokens never travel in clear text", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	return c.String()
}
