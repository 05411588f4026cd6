package hostpace

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// staleAfter is how long a state file may go unwritten before a process
// opening the directory removes it. Every operation rewrites the file, so
// only the file of a quota no process has used for a day goes; without
// the sweep one file per key ever used (an organization a reseller once
// read) would stay until the temporary directory is cleaned.
const staleAfter = 24 * time.Hour

// sweepStale removes the state files of dir other than keep that no
// process has written for staleAfter. Each is removed under its lock and
// only if it is still stale then, so an operation in progress keeps its
// file; a process that holds a removed file open makes it again at its
// next operation (lockCurrent). Failures are ignored: the sweep is
// housekeeping.
func sweepStale(dir, keep string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".pace") || path == keep {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) >= staleAfter {
			removeIfStale(path, now)
		}
	}
}

func removeIfStale(path string, now time.Time) {
	f, err := openState(path, false)
	if err != nil {
		return
	}
	defer f.Close()
	if busy, err := tryLock(f); busy || err != nil {
		return
	}
	defer func() { _ = unlock(f) }()
	if held, ok := stillNamed(f, path); !ok || now.Sub(held.ModTime()) < staleAfter {
		return
	}
	_ = os.Remove(path)
}
