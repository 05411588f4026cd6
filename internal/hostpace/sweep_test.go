package hostpace

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRemovedFileRemade: a temporary-file cleaner removes the state file,
// or its whole directory, while two processes hold it open. Both make it
// again at their next turn, and a process started since shares their
// board instead of one of its own.
func TestRemovedFileRemade(t *testing.T) {
	for name, remove := range map[string]func(dir, path string) error{
		"file":      func(_, path string) error { return os.Remove(path) },
		"directory": func(dir, _ string) error { return os.RemoveAll(dir) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(stateDir(t), "pace")
			a, err := OpenIn(dir, "org")
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := OpenIn(dir, "org")
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			publish := func(b *Board, _ time.Time) { b.Rate, b.Burst = 1000, 1 }
			if _, err := a.Turn(context.Background(), publish); err != nil {
				t.Fatal(err)
			}
			if err := remove(dir, a.Path()); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Turn(context.Background(), publish); err != nil {
				t.Fatalf("turn after the file was removed: %v", err)
			}
			if _, err := b.Turn(context.Background(), publish); err != nil {
				t.Fatal(err)
			}
			// A process started since finds both, and what they published.
			c, err := OpenIn(dir, "org")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var members int
			var rate float64
			if _, err := c.Turn(context.Background(), func(bd *Board, _ time.Time) { members, rate = bd.Members, bd.Rate }); err != nil {
				t.Fatal(err)
			}
			if members != 3 || rate != 1000 {
				t.Errorf("a process started after the removal sees %d members and rate %v, want 3 and what the others published (1000)", members, rate)
			}
			if _, err := os.Stat(a.Path()); err != nil {
				t.Errorf("state file not made again: %v", err)
			}
		})
	}
}

// TestStaleFilesSwept: opening the directory removes the state files no
// process has written for a day, and keeps the fresh ones, the one whose
// lock is held, and what is not a state file.
func TestStaleFilesSwept(t *testing.T) {
	dir := stateDir(t)
	old := time.Now().Add(-staleAfter - time.Hour)
	files := map[string]bool{ // name -> kept
		"stale.pace":  false,
		"fresh.pace":  true,
		"locked.pace": true,
		"notes.txt":   true,
	}
	for name := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(`{"v":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if name != "fresh.pace" {
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	// flock locks belong to an open file: this one conflicts with the
	// sweep's own, as another process's would.
	holder, err := os.OpenFile(filepath.Join(dir, "locked.pace"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if busy, err := tryLock(holder); busy || err != nil {
		t.Fatalf("lock: busy %v, %v", busy, err)
	}
	p, err := OpenIn(dir, "org")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for name, kept := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if exists := err == nil; exists != kept {
			t.Errorf("%s exists: %v, want %v", name, exists, kept)
		}
	}
}
