package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

const usagePath = "/express/usage/month"

// cacheCase is one organization served by the sandbox with usage through
// the current month, and one configuration holding a summary of all
// usage, a talkdesk_usage of a few accounts over closed months and a
// summary of the open months alone.
type cacheCase struct {
	t        *testing.T
	srv      *sandbox.Server
	dir      string // cache_dir
	accounts []string
	closed   [2]string // from_month, to_month of the closed window
	open     [2]string
}

func newCacheCase(t *testing.T) *cacheCase {
	t.Helper()
	srv := startSandbox(t, sandbox.Options{Accounts: 40, UsageMonths: 24, UsagePerAccountMonth: 6, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1, RateLimit: -1})
	now := time.Now().UTC()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	month := func(back int) string { return this.AddDate(0, -back, 0).Format("2006-01") }
	data := srv.Data()
	return &cacheCase{
		t: t, srv: srv, dir: filepath.Join(t.TempDir(), "usage-cache"),
		accounts: []string{data.Accounts[0].ID, data.Accounts[7].ID, data.Accounts[21].ID},
		closed:   [2]string{month(9), month(4)},
		open:     [2]string{month(1), month(0)},
	}
}

func (cc *cacheCase) config(cacheDir string) string {
	extra := []string{}
	if cacheDir != "" {
		extra = append(extra, fmt.Sprintf("cache_dir = %q", cacheDir))
	}
	return providerBlock(cc.srv, extra...) + fmt.Sprintf(`
data "talkdesk_usage_summary" "all" {
  group_by = ["month", "account_id"]
}
data "talkdesk_usage" "few" {
  account_ids = %s
  from_month  = %q
  to_month    = %q
}
data "talkdesk_usage_summary" "open" {
  group_by   = ["month"]
  from_month = %q
  to_month   = %q
}
output "all" {
  value = { for g in data.talkdesk_usage_summary.all.groups : "${g.month}/${g.account_id}/${g.currency}" => "${g.rows} ${g.total_amount}" }
}
output "few" {
  value = [for u in data.talkdesk_usage.few.usage : "${u.id} ${u.total_amount}"]
}
output "open" {
  value = { for g in data.talkdesk_usage_summary.open.groups : "${g.month}/${g.currency}" => "${g.rows} ${g.total_amount}" }
}
`, hclList(cc.accounts), cc.closed[0], cc.closed[1], cc.open[0], cc.open[1])
}

// want computes the three outputs from the sandbox's data.
func (cc *cacheCase) want() map[string]any {
	type sum struct {
		rows  int
		cents int64
	}
	all, open := map[string]*sum{}, map[string]*sum{}
	add := func(m map[string]*sum, k string, u sandbox.UsageRecord) {
		if m[k] == nil {
			m[k] = &sum{}
		}
		m[k].rows++
		m[k].cents += int64(math.Round(u.TotalAmount * 100))
	}
	var few []sandbox.UsageRecord
	for _, u := range cc.srv.Data().Usage {
		add(all, u.Month+"/"+u.AccountID+"/"+u.Currency, u)
		if u.Month >= cc.open[0] {
			add(open, u.Month+"/"+u.Currency, u)
		}
		if slices.Contains(cc.accounts, u.AccountID) && u.Month >= cc.closed[0] && u.Month <= cc.closed[1] {
			few = append(few, u)
		}
	}
	render := func(m map[string]*sum) map[string]string {
		out := map[string]string{}
		for k, s := range m {
			out[k] = fmt.Sprintf("%d %s", s.rows, big.NewRat(s.cents, 100).FloatString(2))
		}
		return out
	}
	slices.SortFunc(few, func(x, y sandbox.UsageRecord) int {
		return strings.Compare(x.Month+x.AccountID+x.ProductID+x.ID, y.Month+y.AccountID+y.ProductID+y.ID)
	})
	var fewOut []string
	for _, u := range few {
		fewOut = append(fewOut, fmt.Sprintf("%s %s", u.ID, big.NewRat(int64(math.Round(u.TotalAmount*100)), 100).FloatString(2)))
	}
	return map[string]any{"all": render(all), "few": fewOut, "open": render(open)}
}

// check compares the workspace's outputs with want, numbers as decimals.
func (cc *cacheCase) check(w *workspace, when string) {
	cc.t.Helper()
	got := outputJSON(cc.t, w)
	for name, want := range cc.want() {
		var g any
		if err := jsonUnmarshal(got[name], &g); err != nil {
			cc.t.Fatalf("%s: output %s: %v", when, name, err)
		}
		if !sameDecimals(g, want) {
			cc.t.Errorf("%s: output %s differs from the API's data:\n got %.300v\nwant %.300v", when, name, g, want)
		}
	}
}

// usageRequests counts the usage requests since the last reset.
func (cc *cacheCase) usageRequests() int {
	n := 0
	for _, r := range cc.srv.Requests() {
		if r.Endpoint == usagePath {
			n++
		}
	}
	return n
}

// warmBound is the bound: 1.2 × the pages of the open months + 4.
func (cc *cacheCase) warmBound() int {
	open := 0
	for _, u := range cc.srv.Data().Usage {
		if u.Month >= cc.open[0] {
			open++
		}
	}
	return int(math.Floor(1.2*float64(pages(open)))) + 4
}

func applyIn(t *testing.T, w *workspace) tfResult {
	t.Helper()
	res := w.apply()
	if res.err != nil {
		t.Fatalf("terraform apply: %v\n%s", res.err, res.output())
	}
	return res
}

func TestMonthCacheColdWarmChangedGarbled(t *testing.T) {
	t.Parallel()
	cc := newCacheCase(t)
	w := newWorkspace(t, cc.config(cc.dir))
	all := pages(len(cc.srv.Data().Usage))

	applyIn(t, w)
	cc.check(w, "cold")
	cold := cc.usageRequests()
	t.Logf("cold: %d usage requests (%d pages of usage)", cold, all)
	if cold < all {
		t.Errorf("the cold run sent %d usage requests; the whole listing has %d pages", cold, all)
	}

	cc.srv.ResetStats()
	res := applyIn(t, w)
	cc.check(w, "warm")
	warm, bound := cc.usageRequests(), cc.warmBound()
	t.Logf("warm: %d usage requests (bound %d), %s", warm, bound, res.took.Round(time.Millisecond))
	if warm > bound || warm == 0 {
		t.Errorf("the warm run sent %d usage requests; the bound is %d (and the open months need at least one)", warm, bound)
	}

	// The API changes rows of both open months: the next run shows it.
	cc.srv.Mutate(func(d *sandbox.Dataset) {
		changed := map[string]bool{}
		for i := range d.Usage {
			if u := &d.Usage[i]; u.Month >= cc.open[0] && !changed[u.Month] {
				u.TotalAmount += 1000.25
				changed[u.Month] = true
			}
		}
		extra := d.Usage[0]
		extra.ID, extra.Month, extra.TotalAmount = strings.Repeat("f", 24), cc.open[1], 12.34
		d.Usage = append(d.Usage, extra)
	})
	cc.srv.ResetStats()
	applyIn(t, w)
	cc.check(w, "after the open months changed")
	if n := cc.usageRequests(); n > cc.warmBound() {
		t.Errorf("the run after the change sent %d usage requests; the bound is %d", n, cc.warmBound())
	}

	// A garbled entry: a warning naming it, an exact result, then warm again.
	files, _ := filepath.Glob(filepath.Join(cc.dir, "*_all_month-"+cc.closed[1]+".rows"))
	if len(files) != 1 {
		t.Fatalf("cache entries of %s: %v", cc.closed[1], files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	res = applyIn(t, w)
	cc.check(w, "with a garbled entry")
	flat := strings.Join(strings.Fields(res.output()), " ")
	if !strings.Contains(flat, "Warning: Ignored an unusable file of the usage cache") || !strings.Contains(flat, filepath.Base(files[0])) {
		t.Errorf("no warning naming %s:\n%s", files[0], res.output())
	}
	cc.srv.ResetStats()
	res = applyIn(t, w)
	cc.check(w, "after the garbled entry was rewritten")
	if n := cc.usageRequests(); n > cc.warmBound() || strings.Contains(res.output(), "usage cache") {
		t.Errorf("the run after the garbled entry sent %d usage requests (bound %d):\n%s", n, cc.warmBound(), res.output())
	}
	checkNoSecrets(t, cc.dir)
}

// checkNoSecrets: no file of the cache holds the client secret or a token
// the sandbox issued.
func checkNoSecrets(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("cache dir %s: %v, %d files", dir, err, len(entries))
	}
	secrets := []string{sandbox.DefaultClientSecret, "Bearer", "access_token"}
	for _, e := range entries {
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", e.Name(), info.Mode())
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		for _, s := range secrets {
			if strings.Contains(string(b), s) || strings.Contains(e.Name(), s) {
				t.Errorf("%s holds %q", e.Name(), s)
			}
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v (%v)", fi.Mode(), err)
	}
}

func TestMonthCacheOff(t *testing.T) {
	t.Parallel()
	cc := newCacheCase(t)
	home, tmp := t.TempDir(), t.TempDir()
	w := newWorkspace(t, cc.config(""))
	before := listFiles(t, w.dir)
	res := w.run(map[string]string{"HOME": home, "TMPDIR": tmp}, "apply", "-auto-approve", "-input=false", "-lock=false", "-no-color",
		"-state="+filepath.Join(w.dir, "e2e.tfstate"))
	if res.err != nil {
		t.Fatalf("terraform apply: %v\n%s", res.err, res.output())
	}
	cc.check(w, "without cache_dir")
	if n, all := cc.usageRequests(), pages(len(cc.srv.Data().Usage)); n < all {
		t.Errorf("without cache_dir the run sent %d usage requests; every one of the %d pages must be read", n, all)
	}
	// The host's shared pace (a few numbers per organization, under
	// TMPDIR) is written whether or not the cache is on; it holds no usage
	// and no secret. Nothing else may be written.
	for _, d := range []string{home, tmp} {
		var files []string
		for _, f := range listFiles(t, d) {
			if !strings.HasPrefix(f, "talkdesk-pace-") {
				files = append(files, f)
			}
		}
		if len(files) > 0 {
			t.Errorf("without cache_dir files were written in %s: %v", d, files)
		}
	}
	// The pace's own directory: 0700, files 0600, no secret, no usage.
	checkNoSecrets(t, filepath.Join(tmp, fmt.Sprintf("talkdesk-pace-%d", os.Getuid())))
	checkNoUsage(t, tmp, cc.srv.Data().Usage[0].ID)
	for _, f := range listFiles(t, w.dir) {
		if !slices.Contains(before, f) && !strings.HasPrefix(f, ".terraform") && !strings.HasPrefix(f, "e2e.tfstate") {
			t.Errorf("without cache_dir %s was written in the workspace", f)
		}
	}
}

// checkNoUsage: no file under dir holds the usage record id.
func checkNoUsage(t *testing.T, dir, id string) {
	t.Helper()
	for _, f := range listFiles(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err == nil && strings.Contains(string(b), id) {
			t.Errorf("%s holds usage record %s", f, id)
		}
	}
}

func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// Two applies at once on one empty cache_dir: both exact, then warm.
func TestMonthCacheTwoAppliesAtOnce(t *testing.T) {
	t.Parallel()
	cc := newCacheCase(t)
	ws := []*workspace{newWorkspace(t, cc.config(cc.dir)), newWorkspace(t, cc.config(cc.dir))}
	var wg sync.WaitGroup
	results := make([]tfResult, len(ws))
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.apply()
		}()
	}
	wg.Wait()
	for i, res := range results {
		if res.err != nil || strings.Contains(res.output(), "usage cache") || strings.Contains(res.output(), "usage months") {
			t.Fatalf("apply %d: %v\n%s", i, res.err, res.output())
		}
		cc.check(ws[i], fmt.Sprintf("apply %d of two at once", i))
	}
	cc.srv.ResetStats()
	applyIn(t, ws[0])
	cc.check(ws[0], "warm after two at once")
	if n := cc.usageRequests(); n > cc.warmBound() {
		t.Errorf("the warm run after two applies at once sent %d usage requests; the bound is %d", n, cc.warmBound())
	}
	checkNoSecrets(t, cc.dir)
}

func jsonUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// sameDecimals compares got (decoded JSON) with want, where strings of
// "count amount" compare their numbers as decimals.
func sameDecimals(got, want any) bool {
	g, _ := json.Marshal(got)
	var norm any
	if err := jsonUnmarshal(g, &norm); err != nil {
		return false
	}
	w, _ := json.Marshal(want)
	var wantNorm any
	if err := jsonUnmarshal(w, &wantNorm); err != nil {
		return false
	}
	return equalDecimal(norm, wantNorm)
}

func equalDecimal(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if !equalDecimal(v, y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalDecimal(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		xs, ys := strings.Fields(x), strings.Fields(y)
		if len(xs) != len(ys) {
			return false
		}
		for i := range xs {
			rx, okx := new(big.Rat).SetString(xs[i])
			ry, oky := new(big.Rat).SetString(ys[i])
			if okx && oky && rx.Cmp(ry) == 0 || xs[i] == ys[i] {
				continue
			}
			return false
		}
		return true
	}
	return a == b
}
