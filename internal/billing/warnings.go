package billing

import "sync"

// Warning is something the caller should tell the user although the read
// succeeded (the provider shows it as a warning diagnostic).
type Warning struct{ Summary, Detail string }

// warnings collects a Client's warnings, each at most once per Client.
type warnings struct {
	mu      sync.Mutex
	seen    map[string]bool
	pending []Warning
}

// add records a warning unless one of the same key was recorded already.
func (w *warnings) add(key, summary, detail string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[key] {
		return
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[key] = true
	w.pending = append(w.pending, Warning{Summary: summary, Detail: detail})
}

// TakeWarnings returns the warnings recorded since the last call: each
// warning is handed out once, to whichever read asks first after it.
func (c *Client) TakeWarnings() []Warning {
	c.warnings.mu.Lock()
	defer c.warnings.mu.Unlock()
	out := c.warnings.pending
	c.warnings.pending = nil
	return out
}
