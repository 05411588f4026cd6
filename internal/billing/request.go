package billing

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// attemptResult is the outcome of one attempt: success (err nil), a final
// error, or a retryable one with the server's Retry-After hint.
type attemptResult struct {
	err        error
	retry      bool
	retryAfter string
}

// retrier is the one retry policy of a Client, shared by API and token
// requests. When limiter is set, every attempt waits for it first.
type retrier struct {
	policy     RetryPolicy
	maxRetries int
	limiter    *adaptiveLimiter
	log        Logger
	onRetry    func()
}

// do runs attempt until it succeeds, fails finally, runs out of retries or
// ctx ends. Waits never outlive ctx.
func (r retrier) do(ctx context.Context, method, rawURL string, limited bool, attempt func(context.Context) attemptResult) error {
	for n := 1; ; n++ {
		if limited && r.limiter != nil {
			if err := r.limiter.Wait(ctx); err != nil {
				return contextErr(ctx, err)
			}
		}
		res := attempt(ctx)
		if res.err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return contextErr(ctx, ctx.Err())
		}
		if !res.retry {
			return res.err
		}
		if n > r.maxRetries {
			return &RetriesExhaustedError{Method: method, URL: rawURL, Attempts: n, Last: res.err}
		}
		wait := r.policy.backoff(n)
		if d, ok := r.policy.retryAfter(res.retryAfter, time.Now()); ok {
			// The server's hint, plus a little jitter so waiters do not return in one burst.
			wait = d + rand.N(d/10+time.Millisecond)
		}
		if r.onRetry != nil {
			r.onRetry()
		}
		if r.log != nil {
			r.log.Debug(ctx, "retrying request", map[string]any{"method": method, "url": rawURL, "attempt": n, "wait": wait.String(), "error": res.err.Error()})
		}
		if err := sleep(ctx, wait); err != nil {
			return contextErr(ctx, err)
		}
	}
}

// contextErr explains an ended context: a cancelled plan or a read timeout.
func contextErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
		return fmt.Errorf("%w (%v)", err, cause)
	}
	return err
}

// getJSON GETs rawURL with the shared token, limiter and retry policy and
// hands the 200 body to decode, which must read one complete document.
func (c *Client) getJSON(ctx context.Context, rawURL string, decode func(io.Reader) error) error {
	renewed := false
	return c.retry.do(ctx, http.MethodGet, rawURL, true, func(ctx context.Context) attemptResult {
		for {
			tok, err := c.tokens.Token(ctx)
			if err != nil {
				return attemptResult{err: err}
			}
			res, status := c.attempt(ctx, rawURL, tok, decode)
			if status != http.StatusUnauthorized || KindOf(res.err) != KindTokenRefused {
				return res
			}
			if !c.tokens.Renewable() {
				return res
			}
			if renewed || !c.tokens.Proven(tok) {
				// The API refused a token it never accepted: the token
				// endpoint issues tokens for these credentials, but they
				// do not open the API. Another token cannot help.
				var api *APIError
				if errors.As(res.err, &api) {
					api.Kind = KindNotEntitled
				}
				return res
			}
			// The API accepted this token before: it expired or was
			// revoked. Renew it once and send the request once more.
			renewed = true
			c.tokens.Invalidate(tok)
			if err := c.limiter.Wait(ctx); err != nil {
				return attemptResult{err: contextErr(ctx, err)}
			}
		}
	})
}

// attempt sends one GET and classifies the answer. The status is 0 when
// no response arrived.
func (c *Client) attempt(ctx context.Context, rawURL, token string, decode func(io.Reader) error) (attemptResult, int) {
	actx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, rawURL, nil)
	if err != nil {
		return attemptResult{err: err}, 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	c.stats.requests.Add(1)
	sent := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		err = newTransportError(c.http, req, err)
		return attemptResult{err: err, retry: KindOf(err).Retryable()}, 0
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusUnauthorized {
		// The API got past the token: a later 401 to it means it expired
		// or was revoked (see getJSON).
		c.tokens.Accepted(token)
	}
	c.limiter.observe(ctx, sent, time.Now(), resp.StatusCode, resp.Header)
	if resp.StatusCode == http.StatusOK {
		body := bufio.NewReader(resp.Body)
		if head, _ := body.Peek(sniffLen); foreignBody(resp.Header.Get("Content-Type"), head) {
			// Not the API: a login page, a proxy's notice, a web site.
			return attemptResult{err: &APIError{Kind: KindNotAPI, StatusCode: http.StatusOK, Method: http.MethodGet, URL: rawURL,
				Message: "not a Billing Insights API answer", Body: quoteBody(resp.Header.Get("Content-Type"), head, resp.ContentLength)}}, http.StatusOK
		}
		if err := decode(body); err != nil {
			return attemptResult{err: &DecodeError{URL: rawURL, Err: err}, retry: true}, http.StatusOK
		}
		return attemptResult{}, http.StatusOK
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		c.stats.throttled.Add(1)
	}
	apiErr := readAPIError(resp, rawURL)
	if apiErr.Kind == KindMissingScope {
		apiErr.Scope = scopeOfURL(c.baseURL, rawURL)
	}
	return attemptResult{err: apiErr, retry: apiErr.Kind.Retryable(), retryAfter: resp.Header.Get("Retry-After")}, resp.StatusCode
}

// readAPIError decodes the documented error body; anything else still
// yields an APIError with the status and a quote of the body.
func readAPIError(resp *http.Response, rawURL string) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: http.MethodGet, URL: rawURL}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	ctype := resp.Header.Get("Content-Type")
	foreign := foreignBody(ctype, body)
	e.Kind = statusKind(resp.StatusCode, foreign)
	var doc struct {
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
		Fields      []FieldError    `json:"fields"`
	}
	if !foreign && json.Unmarshal(body, &doc) == nil {
		e.Code = rawString(doc.Code)
		e.Message, e.Description, e.Fields = doc.Message, doc.Description, doc.Fields
	}
	if len(bytes.TrimSpace(body)) > 0 && e.Code == "" && e.Message == "" && e.Description == "" && len(e.Fields) == 0 {
		// Not the documented error document: say what came instead.
		e.Body = quoteBody(ctype, body, resp.ContentLength)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// rawString reads a code that may be sent as a string or a number.
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func (r retrier) logWarn(ctx context.Context, msg string, fields map[string]any) {
	if r.log != nil {
		r.log.Warn(ctx, msg, fields)
	}
}
