package provider

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
)

// Environment variables of the cache of closed usage months.
const (
	envCacheDir     = "TALKDESK_CACHE_DIR"
	envCacheMaxAge  = "TALKDESK_CACHE_MAX_AGE"
	envCacheRefresh = "TALKDESK_CACHE_REFRESH"
)

func cacheDirAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		Description: "A directory where usage of closed months (final: a month is closed from the first day of the second month after it, UTC) is kept between runs, " +
			"so that a plan reads only the open months from the API. Off when unset: nothing is written anywhere. Created with mode 0700 (files 0600); " +
			"a directory writable by group or others, or owned by another user, is refused. Several provider processes may share it. " +
			"Set `" + envCacheRefresh + "=1` to read every month from the API for one run and rewrite the cache. Env: `" + envCacheDir + "`.",
	}
}

func cacheMaxAgeAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		Description: fmt.Sprintf("How long a closed month is served from `cache_dir` after it was read from the API, as a positive duration such as `720h` (default `%s`); then it is read again. Env: `%s`.",
			shortDuration(billing.DefaultCacheMaxAge), envCacheMaxAge),
		Validators: []validator.String{funcString("a positive duration", checkCacheMaxAge)},
	}
}

// shortDuration renders whole hours as "720h" rather than "720h0m0s".
func shortDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return d.String()
}

func checkCacheMaxAge(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: use e.g. 720h or 168h", s)
	}
	if d <= 0 {
		return fmt.Errorf("%q is not a positive duration: use e.g. 720h", s)
	}
	return nil
}

// cache merges the cache settings into cfg.
func (s *settings) cache(m providerModel, cfg *billing.Config) {
	cfg.CacheDir = s.str("cache_dir", m.CacheDir, envCacheDir, nil)
	if raw := s.str("cache_max_age", m.CacheMaxAge, envCacheMaxAge, checkCacheMaxAge); raw != "" {
		if d, err := time.ParseDuration(raw); err == nil && d > 0 {
			cfg.CacheMaxAge = d
		}
	}
	if raw := os.Getenv(envCacheRefresh); raw != "" {
		refresh, err := strconv.ParseBool(raw)
		if err != nil {
			s.diags.AddError("Invalid "+envCacheRefresh, fmt.Sprintf("%s=%q is not a boolean: use 1 to read every month from the API and rewrite the cache, or leave it unset.", envCacheRefresh, raw))
		}
		cfg.CacheRefresh = refresh
	}
}

// cacheDirRefused names cache_dir in the error of an unsafe directory.
func (s *settings) cacheDirRefused(err *billing.CacheDirError) {
	s.diags.AddAttributeError(path.Root("cache_dir"), "Unsafe cache_dir",
		fmt.Sprintf("cache_dir (or %s) %s: %v. The cache holds billing data, so it must be private to this user: use a directory of your own with mode 0700.", envCacheDir, err.Dir, err))
}
