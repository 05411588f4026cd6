package sandbox

import (
	"crypto/ecdsa"
	"net/url"
	"time"
)

// Default values applied by New for zero-valued Options fields.
const (
	DefaultSeed                    = 1
	DefaultAccounts                = 8
	DefaultForeignAccounts         = 2
	DefaultProducts                = 40
	DefaultSubscriptionsPerAccount = 12
	DefaultInvoicesPerAccount      = 12
	DefaultUsageMonths             = 24
	DefaultUsagePerAccountMonth    = 6
	DefaultClientID                = "sandbox-client-id"
	DefaultClientSecret            = "sandbox-client-secret"
	DefaultKeyID                   = "sandbox-key"
	DefaultTokenLifetime           = 10 * time.Minute
	DefaultRateLimit               = 25
	DefaultOrganizationName        = "Northwind Contact Partners"
)

// Options configures a sandbox server. The zero value is usable: every zero
// field takes the default documented on it. For the record counts, zero means
// "default" and a negative value means "none", so tests can still ask for an
// empty collection.
type Options struct {
	// Seed drives data generation; the same Seed and Now always give the same
	// Dataset. Default 1.
	Seed int64
	// Now is the reference "today" for generated dates. Zero means the
	// current UTC day. It is truncated to midnight UTC.
	Now time.Time
	// Accounts is the number of instances under the organization. Default 8.
	Accounts int
	// ForeignAccounts is the number of accounts that exist but belong to
	// another organization; filtering by them yields 403. Default 2.
	ForeignAccounts int
	// Products is the price-book size. Default 40. About a third are usage
	// products; when UsagePerAccountMonth needs more distinct usage
	// products than that, more are added and the price book grows beyond
	// Products. At least 4 non-usage products exist when subscriptions or
	// invoices are generated.
	Products int
	// SubscriptionsPerAccount is the number of contract lines per account.
	// Default 12.
	SubscriptionsPerAccount int
	// InvoicesPerAccount is the number of monthly invoices per account, each
	// with 2 to 6 lines. Default 12.
	InvoicesPerAccount int
	// UsageMonths is the number of months of usage, ending with the month
	// of Now (so the two open months, that month and the one before, are
	// among them). Default 24.
	UsageMonths int
	// UsagePerAccountMonth is the number of usage rows per account and
	// month. Default 6.
	UsagePerAccountMonth int
	// ClientID and ClientSecret are the OAuth client credentials accepted by
	// the token endpoint. Defaults "sandbox-client-id" and
	// "sandbox-client-secret".
	ClientID, ClientSecret string
	// JWTPublicKey, when set, enables private_key_jwt client authentication:
	// assertions signed (ES256) by the matching private key are accepted.
	JWTPublicKey *ecdsa.PublicKey
	// KeyID is the JWT header kid expected with JWTPublicKey. Default
	// "sandbox-key".
	KeyID string
	// TokenLifetime is how long an issued access token stays valid. Default
	// 10 minutes, as documented for Talkdesk.
	TokenLifetime time.Duration
	// Latency is added to every API request (not token requests); a request
	// whose context ends while waiting is abandoned.
	Latency time.Duration
	// RateLimit is the organization's API request rate per second. Zero
	// means 25 (the documented limit); negative means unlimited.
	RateLimit float64
	// RateBurst is the token-bucket burst. Zero means max(1, int(RateLimit)).
	RateBurst int
	// RateWindow, when set, counts the quota in one-second windows
	// instead of a token bucket (RateBurst is then unused): SlidingWindow
	// accepts at most RateLimit requests in any second, FixedWindow at
	// most RateLimit in each whole second since its first request. The contract says only
	// "25 requests per second": an API may count either way.
	RateWindow Window
	// RateSchedule changes RateLimit and RateBurst during a run (for
	// example 25, then 8 after 5 s, then 25 again after 20 s); steps are
	// applied in order of After.
	RateSchedule []RateStep
	// RetryAfter is the Retry-After header value sent with 429 responses;
	// empty sends no header (the contract says the header may be absent).
	RetryAfter string
	// Faults sets the probabilities of injected failures.
	Faults Faults
	// Data, when set, is served instead of a generated data set (Seed and
	// the record counts are then ignored); see LoadFixture. New copies it.
	Data *Dataset
	// OnAPIRequest, when set, is called before an API request is served
	// (after authentication, rate limiting, faults and parameter
	// validation). It runs without any sandbox lock held, so it may call
	// Mutate, which lets tests change the collection in the middle of a
	// paged read.
	OnAPIRequest func(endpoint string, query url.Values)
}

// Faults sets the probability (0..1) of each injected failure per API
// request. The draws are independent and checked in field order, so the
// first fault that fires wins. Token requests never fail.
type Faults struct {
	// Rate503 is the probability of a 503 Service Unavailable.
	Rate503 float64
	// Rate500 is the probability of a 500 Internal Server Error.
	Rate500 float64
	// RateReset is the probability that the TCP connection is reset
	// (SO_LINGER 0) instead of answered.
	RateReset float64
	// RateTruncate is the probability that a 200 response is cut off after
	// about half of its body.
	RateTruncate float64
	// Seed seeds the fault RNG so that a test sees the same sequence of
	// faults on every run.
	Seed int64
}

// withDefaults returns a copy of o with every zero field replaced by its
// default and negative counts clamped to zero.
func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = startOfDay(o.Now)
	count := func(v *int, def int) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	count(&o.Accounts, DefaultAccounts)
	count(&o.ForeignAccounts, DefaultForeignAccounts)
	count(&o.Products, DefaultProducts)
	count(&o.SubscriptionsPerAccount, DefaultSubscriptionsPerAccount)
	count(&o.InvoicesPerAccount, DefaultInvoicesPerAccount)
	count(&o.UsageMonths, DefaultUsageMonths)
	count(&o.UsagePerAccountMonth, DefaultUsagePerAccountMonth)
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = DefaultClientSecret
	}
	if o.KeyID == "" {
		o.KeyID = DefaultKeyID
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = DefaultTokenLifetime
	}
	return o
}

// startOfDay returns midnight UTC of t's UTC day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
