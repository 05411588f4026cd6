package rowstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestPutGet(t *testing.T) {
	t.Parallel()
	s, err := Open(filepath.Join(t.TempDir(), "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(s.Dir()); fi.Mode().Perm() != 0o700 {
		t.Errorf("created with mode %v", fi.Mode())
	}
	key := []string{"org", "usage", "all", "month-2026-01"}
	if _, _, err := s.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: %v", err)
	}
	stamp := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	if err := s.Put(key, stamp, []byte("payload")); err != nil {
		t.Fatal(err)
	}
	got, data, err := s.Get(key)
	if err != nil || !got.Equal(stamp) || string(data) != "payload" {
		t.Fatalf("Get = %v %q %v", got, data, err)
	}
	path, _ := s.Path(key)
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("entry mode %v", fi.Mode())
	}
	if _, err := s.Path([]string{"../x"}); err == nil {
		t.Error("a key part with a slash was accepted")
	}
}

func TestCorruptEntries(t *testing.T) {
	t.Parallel()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := []string{"k"}
	if err := s.Put(key, time.Now(), bytes.Repeat([]byte("x"), 100)); err != nil {
		t.Fatal(err)
	}
	path, _ := s.Path(key)
	good, _ := os.ReadFile(path)
	version := bytes.Clone(good)
	version[len(magic)+3] = 9
	garbled := bytes.Clone(good)
	garbled[len(good)-1] ^= 1
	for name, b := range map[string][]byte{
		"truncated": good[:len(good)-10], "header cut": good[:20], "empty": nil,
		"other version": version, "garbled": garbled, "foreign": []byte("{\"json\": true}"),
	} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		var corrupt *CorruptError
		if _, _, err := s.Get(key); !errors.As(err, &corrupt) || corrupt.Path != path {
			t.Errorf("%s: Get = %v, want a CorruptError naming the file", name, err)
		}
	}
}

// Writers of one key at once each write a complete file; readers see an
// entry whole or not at all.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := []string{"same"}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var readErr error
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, data, err := s.Get(key)
			if err != nil && !errors.Is(err, ErrNotFound) || err == nil && !bytes.Equal(data, bytes.Repeat(data[:1], len(data))) {
				mu.Lock()
				readErr = fmt.Errorf("a reader saw %v (%d bytes)", err, len(data))
				mu.Unlock()
			}
		}
	}()
	var writers sync.WaitGroup
	for i := range 8 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for range 20 {
				if err := s.Put(key, time.Now(), bytes.Repeat([]byte{byte('a' + i)}, 200_000)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	writers.Wait()
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Error(readErr)
	}
	if left, _ := filepath.Glob(filepath.Join(s.Dir(), tmpPrefix+"*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
