package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/billing"
	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// Rows of many runs on one quota: n provider-client processes (this
// program started again, each reading every subscription with the billing
// client, as the provider does) start together on one sandbox quota of
// 25 req/s that a foreign client also spends at 5 req/s. "one host"
// shares one TMPDIR, so the processes share the host's pace; "separate
// hosts" gives each its own. Client processes rather than Terraform: 12
// Terraform runs at once do not fit 2 shared cores. Two more rows start six
// real Terraform applies instead (terraformRunsScenarios).

// quotaBucket is how many requests the quota's bucket holds in every row
// (0: the row's own, one second's worth unless it says otherwise). An API
// whose bucket holds fewer answers a pace a little above its rate sooner;
// -bucket 10 shows how the runs fare there, -bucket 2 how a run alone does
// where two requests sent closer than the quota's interval are refused.
var quotaBucket = flag.Int("bucket", 0, "requests the sandbox quota's bucket holds, in every row (0: the row's own, one second's worth unless it says otherwise)")

// keepDir, when set, keeps what each many-runs row saw, in a directory of
// its own under it: requests.tsv, the server's log of every request (the
// seconds since the runs started, the endpoint, the status: the foreign
// client's are on /express/products), and run-N.log, each run's log at
// DEBUG (a Terraform run's provider log, a client process's own), where
// the pace's decisions are ("talkdesk API pace").
var keepDir = flag.String("keep", "", "keep each many-runs row's server request log and its runs' debug logs (Terraform runs' provider logs, client processes' own) under this directory")

const (
	envClientRead = "TALKDESK_BENCH_CLIENT_READ" // the sandbox URL, in a client process
	envClientLog  = "TALKDESK_BENCH_CLIENT_LOG"  // where a client process logs, if set
	foreignRate   = 5
	foreignPath   = "/express/products"
	// startSpan is the start of the runs, when they find their shares.
	startSpan = 3 * time.Second
)

func hostPaceScenarios(quick bool) []scenario {
	out := terraformRunsScenarios(quick)
	for _, n := range []int{1, 2, 6, 12} {
		// ~51,000 subscriptions = 205 pages each; 12 runs read half as much.
		accounts := 170
		if n == 12 {
			accounts = 85
		}
		if quick {
			accounts = 10
		}
		opts := sandbox.Options{Accounts: accounts, SubscriptionsPerAccount: 300, InvoicesPerAccount: 1, UsageMonths: 1, UsagePerAccountMonth: 1,
			Latency: 50 * time.Millisecond, RetryAfter: "1"}
		out = append(out, onHostAndApart(fmt.Sprintf("many runs: %d client processes", n), func(apart bool) (result, error) {
			return manyRuns(opts, n, apart)
		})...)
	}
	return out
}

// clientProcess is this program started as one of the runs: it reads
// every subscription and prints the rows.
func clientProcess() bool {
	base := os.Getenv(envClientRead)
	if base == "" {
		return false
	}
	cfg := billing.Config{
		APIBaseURL: base, TokenURL: base + "/oauth/token",
		ClientID: sandbox.DefaultClientID, ClientSecret: sandbox.DefaultClientSecret,
		RequestsPerSecond: providerRate, MaxRetries: -1,
	}
	if path := os.Getenv(envClientLog); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		cfg.Logger = fileLog{f: f, start: time.Now()}
	}
	c, err := billing.New(cfg)
	if err == nil {
		var n int
		if n, err = readSubscriptions(context.Background(), c); err == nil {
			fmt.Println(n)
			return true
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
	return true
}

// runStarter starts run i of a many-runs row with TMPDIR tmp, and returns
// a function that waits for it and returns what it read. A run that can
// write a log writes it to logPath, unless it is empty.
type runStarter func(i int, tmp, logPath string) (wait func() (string, error), err error)

// clientRuns starts client processes: this program, reading every
// subscription with the billing client.
func clientRuns(srv *sandbox.Server) (runStarter, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return func(i int, tmp, logPath string) (func() (string, error), error) {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), envClientRead+"="+srv.URL, "TMPDIR="+tmp)
		if logPath != "" {
			cmd.Env = append(cmd.Env, envClientLog+"="+logPath)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		return func() (string, error) {
			line, _ := bufio.NewReader(out).ReadString('\n')
			if err := cmd.Wait(); err != nil {
				return "", fmt.Errorf("run %d: %v: %s", i, err, tail(stderr.String(), 500))
			}
			return strings.TrimSpace(line), nil
		}, nil
	}, nil
}

func manyRuns(opts sandbox.Options, n int, apart bool) (result, error) {
	want := func(d sandbox.Dataset) string { return strconv.Itoa(len(d.Subscriptions)) }
	return manyRunsOf(opts, n, apart, func(srv *sandbox.Server, _ string) (runStarter, error) { return clientRuns(srv) }, want)
}

// manyRunsOf starts n runs together (from starter) on one sandbox quota
// beside a foreign client, each with its own TMPDIR when apart, and
// measures the 429s, the foreign client's refusals, the window against
// the leftover quota's time and the spread of finish times. Every run
// must read want.
func manyRunsOf(opts sandbox.Options, n int, apart bool, starter func(srv *sandbox.Server, dir string) (runStarter, error), want func(sandbox.Dataset) string) (result, error) {
	srv, err := startSandbox(opts)
	if err != nil {
		return result{}, err
	}
	defer srv.Close()
	shared, err := os.MkdirTemp("", "talkdesk-bench-host")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(shared)
	startRun, err := starter(srv, shared)
	if err != nil {
		return result{}, err
	}
	kept, err := keptRowDir(n, apart)
	if err != nil {
		return result{}, err
	}

	ctx, stopForeign := context.WithCancel(context.Background())
	defer stopForeign()
	foreign := make(chan [2]int, 1)
	go func() { foreign <- foreignClient(ctx, srv) }()
	time.Sleep(2 * time.Second) // the foreign client is already there

	got := make([]string, n)
	errs := make([]error, n)
	ends := make([]time.Time, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		tmp := filepath.Join(shared, "tmp")
		if apart {
			tmp = filepath.Join(shared, fmt.Sprintf("tmp-%d", i))
		}
		if err := os.MkdirAll(tmp, 0o700); err != nil {
			return result{}, err
		}
		logPath := ""
		if kept != "" {
			logPath = filepath.Join(kept, fmt.Sprintf("run-%d.log", i))
		}
		wait, err := startRun(i, tmp, logPath)
		if err != nil {
			return result{}, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = wait()
			ends[i] = time.Now()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	stopForeign()
	fsent := <-foreign
	for _, err := range errs {
		if err != nil {
			return result{}, err
		}
	}

	// Our requests, from the server's log: every endpoint but the foreign one.
	var r result
	r.wall, r.limit, r.exact = wall, providerRate-foreignRate, true
	var first, last time.Time
	foreignRefused, startRefused, foreignStartRefused := 0, 0, 0
	for _, q := range srv.Requests() {
		if q.Endpoint == foreignPath {
			if q.Status == http.StatusTooManyRequests {
				foreignRefused++
				if q.Time.After(start) && q.Time.Sub(start) < startSpan {
					foreignStartRefused++
				}
			}
			continue
		}
		if first.IsZero() {
			first = q.Time
		}
		last = q.Time
		r.requests++
		switch q.Status {
		case http.StatusOK:
			r.pages++
		case http.StatusTooManyRequests:
			r.throttled++
			if q.Time.Sub(start) < startSpan {
				startRefused++
			}
		}
	}
	r.span = last.Sub(first)
	if kept != "" {
		if err := writeRequestLog(filepath.Join(kept, "requests.tsv"), srv.Requests(), start); err != nil {
			return result{}, err
		}
	}
	w := want(srv.Data())
	for _, g := range got {
		r.exact = r.exact && g == w
		for _, f := range strings.Fields(g) {
			k, _ := strconv.Atoi(f)
			r.rows += k
		}
	}
	if !r.exact {
		return r, fmt.Errorf("rows %v, want %s each", got, w)
	}
	leftover := float64(r.pages) / (providerRate - foreignRate)
	firstEnd, lastEnd := slices.MinFunc(ends, time.Time.Compare), slices.MaxFunc(ends, time.Time.Compare)
	foreignShare := 100 * float64(foreignRefused) / float64(max(fsent[0], 1))
	spread := 100 * lastEnd.Sub(firstEnd).Seconds() / lastEnd.Sub(start).Seconds()
	overLeftover := r.span.Seconds() / leftover
	r.note = fmt.Sprintf("429s %.1f%% of ours (%d in the first %v); foreign refused %d of %d (%.1f%%, %d in the first %v); window %.1fs = %.2f x the leftover quota's time (%.1fs); finish spread %.0f%% (%.1fs)",
		r.throttledPercent(), startRefused, startSpan, foreignRefused, fsent[0], foreignShare, foreignStartRefused, startSpan,
		r.span.Seconds(), overLeftover, leftover,
		spread, lastEnd.Sub(firstEnd).Seconds())
	r.figures = []figure{
		{"foreign refused %", foreignShare},
		{"x leftover quota's time", overLeftover},
		{"finish spread %", spread},
		{fmt.Sprintf("429s in the first %v", startSpan), float64(startRefused)},
	}
	return r, nil
}

// keptRowDir makes a directory of its own under -keep for a many-runs row
// of n runs, and returns it; "" without -keep.
func keptRowDir(n int, apart bool) (string, error) {
	if *keepDir == "" {
		return "", nil
	}
	where := "one-host"
	if apart {
		where = "separate-hosts"
	}
	if err := os.MkdirAll(*keepDir, 0o700); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(*keepDir, fmt.Sprintf("%d-runs-%s-", n, where))
	if err == nil {
		fmt.Fprintf(os.Stderr, "keeping the row's logs in %s\n", dir)
	}
	return dir, err
}

// writeRequestLog writes the server's request log to path, one request a
// line in the order they arrived: seconds since start, endpoint, status.
// (The server logs a request when it has answered it.)
func writeRequestLog(path string, reqs []sandbox.RequestRecord, start time.Time) error {
	reqs = slices.Clone(reqs)
	slices.SortStableFunc(reqs, func(a, b sandbox.RequestRecord) int { return a.Time.Compare(b.Time) })
	var b strings.Builder
	for _, q := range reqs {
		fmt.Fprintf(&b, "%.4f\t%s\t%d\n", q.Time.Sub(start).Seconds(), q.Endpoint, q.Status)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// foreignClient is another integration of the organization: one request
// every 1/foreignRate s, whatever the answers, until ctx ends. It returns
// the requests sent and the 429s among them.
func foreignClient(ctx context.Context, srv *sandbox.Server) [2]int {
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sandbox.DefaultClientID, sandbox.DefaultClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return [2]int{}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	_ = resp.Body.Close()
	var sent, refused int
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / foreignRate)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return [2]int{sent, refused}
		case <-tick.C:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, srv.URL+foreignPath+"?per_page=1", nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			_ = resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			sent++
			if resp.StatusCode == http.StatusTooManyRequests {
				refused++
			}
		}()
	}
}

// everyListSummed reads every list data source but products (the foreign
// client's endpoint, counted apart), usage summed by month: the reads of
// a whole configuration with a small state.
const everyListSummed = `
data "talkdesk_accounts" "all" {}
data "talkdesk_subscriptions" "all" {}
data "talkdesk_invoices" "all" {}
data "talkdesk_usage_summary" "monthly" { group_by = ["month"] }
output "rows" {
  value = join(" ", [length(data.talkdesk_accounts.all.accounts), length(data.talkdesk_subscriptions.all.subscriptions),
    sum([for i in data.talkdesk_invoices.all.invoices : length(i.lines)]),
    sum([for g in data.talkdesk_usage_summary.monthly.groups : g.rows])])
}
`

// terraformRunsScenarios are the many-runs rows with real Terraform
// applies, as the issue tried them: six at once, each reading every list
// data source but products (207 pages: 204 of usage, summed by month), beside the
// foreign client.
func terraformRunsScenarios(quick bool) []scenario {
	opts := sandbox.Options{Accounts: 170, UsageMonths: 25, UsagePerAccountMonth: 12, SubscriptionsPerAccount: 1, InvoicesPerAccount: 1,
		Latency: 50 * time.Millisecond, RetryAfter: "1"}
	n := 6
	if quick {
		opts.Accounts, n = 10, 2
	}
	want := func(d sandbox.Dataset) string {
		return fmt.Sprintf("%d %d %d %d", len(d.Accounts), len(d.Subscriptions), len(d.Invoices), len(d.Usage))
	}
	out := onHostAndApart(fmt.Sprintf("many runs: %d terraform applies", n), func(apart bool) (result, error) {
		return manyRunsOf(opts, n, apart, terraformRuns(nil), want)
	})
	// Runs on separate machines cannot see each other; given each
	// machine's share of the leftover quota (slightly under), they are
	// never refused and finish together.
	share := math.Floor(0.96*(providerRate-foreignRate)/float64(n)*10) / 10
	return append(out, scenario{
		name: manyRunsName(fmt.Sprintf("many runs: %d terraform applies at requests_per_second %.1f each", n, share), "separate hosts"),
		run: func() (result, error) {
			env := []string{"TALKDESK_REQUESTS_PER_SECOND=" + strconv.FormatFloat(share, 'f', -1, 64)}
			return manyRunsOf(opts, n, true, terraformRuns(env), want)
		},
	})
}

// onHostAndApart is the pair of many-runs rows of what: the runs on one
// host, and on separate hosts (apart).
func onHostAndApart(what string, run func(apart bool) (result, error)) []scenario {
	var out []scenario
	for _, apart := range []bool{false, true} {
		where := "one host"
		if apart {
			where = "separate hosts"
		}
		out = append(out, scenario{
			name: manyRunsName(what, where),
			run:  func() (result, error) { return run(apart) },
		})
	}
	return out
}

// manyRunsName names a many-runs row: what runs, beside the foreign
// client on the quota, where.
func manyRunsName(what, where string) string {
	return fmt.Sprintf("%s + foreign %d req/s on %d req/s, %s", what, foreignRate, int(providerRate), where)
}

// terraformRuns starts Terraform applies of everyListSummed, each in its
// own working directory under dir, with the provider built once and env
// added to each run's environment.
func terraformRuns(env []string) func(srv *sandbox.Server, dir string) (runStarter, error) {
	return func(srv *sandbox.Server, dir string) (runStarter, error) {
		pluginDir, err := providerWithWrapper(dir)
		if err != nil {
			return nil, err
		}
		return func(i int, tmp, logPath string) (func() (string, error), error) {
			ws, err := newTFWorkspace(filepath.Join(dir, fmt.Sprintf("run-%d", i)), pluginDir, srv, everyListSummed)
			if err != nil {
				return nil, err
			}
			ws.env = append([]string{"TMPDIR=" + tmp}, env...)
			if logPath != "" {
				ws.env = append(ws.env, "TF_LOG_PROVIDER=DEBUG", "TF_LOG_PATH="+logPath)
			}
			return func() (string, error) {
				got, err := ws.apply()
				if err != nil {
					return "", fmt.Errorf("run %d: %v", i, err)
				}
				return got, nil
			}, nil
		}, nil
	}
}

// fileLog writes a client process's events to its log, one line each,
// with the seconds since the process started.
type fileLog struct {
	f     *os.File
	start time.Time
}

func (l fileLog) Debug(_ context.Context, msg string, fields map[string]any) {
	fmt.Fprintf(l.f, "%8.3f DEBUG %s %v\n", time.Since(l.start).Seconds(), msg, fields)
}

func (l fileLog) Warn(_ context.Context, msg string, fields map[string]any) {
	fmt.Fprintf(l.f, "%8.3f WARN %s %v\n", time.Since(l.start).Seconds(), msg, fields)
}
