// Package rowstore keeps byte blobs in files of one directory, for data
// that outlives a process (the provider's cache of closed usage months).
// It knows nothing of the API: a caller names an entry by a key of a few
// file-name-safe parts and stores a stamp (when the data was read) and
// the data.
//
// Every file starts with a magic, the format version, the stamp, the
// length and the SHA-256 of the data, so a truncated, garbled or foreign
// file is told apart from an entry. A file is written under a temporary
// name in the same directory and renamed into place: a reader never sees a
// partial entry, and processes that write the same key at once each write
// a complete file (the last rename wins). No lock and no daemon are needed.
package rowstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// FormatVersion is the version of the file layout written by this package.
const FormatVersion = 1

// magic opens every entry file.
var magic = [8]byte{'t', 'd', 'r', 'o', 'w', 's', 0, '\n'}

// headerLen is magic, version (uint32), stamp (int64 Unix nanoseconds),
// length (uint64) and the SHA-256 of the data.
const headerLen = len(magic) + 4 + 8 + 8 + sha256.Size

// suffix names entry files; temporary files start with tmpPrefix.
const (
	suffix    = ".rows"
	tmpPrefix = ".tmp-"
)

// Store is a directory of entries, safe for concurrent use by goroutines
// and processes.
type Store struct{ dir string }

// UnsafeDirError refuses a directory others could write to or that
// belongs to another user: its entries could be planted or changed.
type UnsafeDirError struct {
	Dir    string
	Reason string
}

func (e *UnsafeDirError) Error() string {
	return fmt.Sprintf("the directory %s is not safe for cached billing data: %s", e.Dir, e.Reason)
}

// Open opens dir, creating it (and its parents) with mode 0700 when it
// does not exist. A directory writable by group or others, or owned by
// another user, is refused with an *UnsafeDirError (on Unix; on Windows
// the directory's ACLs protect it and neither is known).
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, &UnsafeDirError{Dir: dir, Reason: "no directory named"}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", abs, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if err := checkDir(abs, fi); err != nil {
		return nil, err
	}
	removeAbandoned(abs)
	return &Store{dir: abs}, nil
}

// abandonedAfter is the age of a temporary file whose writer must have
// died (killed between writing and renaming it).
const abandonedAfter = time.Hour

// removeAbandoned removes temporary files left by killed writers; a
// writer still at work renames its file long before abandonedAfter.
func removeAbandoned(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, tmpPrefix+"*"))
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > abandonedAfter {
			_ = os.Remove(m)
		}
	}
}

func checkDir(dir string, fi fs.FileInfo) error {
	if !fi.IsDir() {
		return &UnsafeDirError{Dir: dir, Reason: "it is not a directory"}
	}
	if perm := fi.Mode().Perm(); modesProtect && perm&0o022 != 0 {
		return &UnsafeDirError{Dir: dir, Reason: fmt.Sprintf("it is writable by group or others (mode %04o); run chmod 700 on it", perm)}
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return &UnsafeDirError{Dir: dir, Reason: fmt.Sprintf("it is owned by user id %d, not by this user (%d)", uid, os.Getuid())}
	}
	return nil
}

// Dir is the store's absolute directory.
func (s *Store) Dir() string { return s.dir }

// Path is the file that holds the entry of key.
func (s *Store) Path(key []string) (string, error) {
	for _, part := range key {
		if !safePart(part) {
			return "", fmt.Errorf("invalid key part %q", part)
		}
	}
	if len(key) == 0 {
		return "", errors.New("empty key")
	}
	return filepath.Join(s.dir, strings.Join(key, "_")+suffix), nil
}

// safePart accepts letters, digits, '-' and '.', not starting with '.'.
func safePart(p string) bool {
	if p == "" || p[0] == '.' {
		return false
	}
	for _, r := range p {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (r < '0' || r > '9') && r != '-' && r != '.' {
			return false
		}
	}
	return true
}

// ErrNotFound is returned by Get when key has no entry.
var ErrNotFound = errors.New("no entry")

// CorruptError is an entry file that cannot be used: truncated, garbled,
// of another format version, or unreadable. The caller reads the data
// elsewhere and writes the entry again.
type CorruptError struct {
	Path   string
	Reason string
}

func (e *CorruptError) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Reason) }

// Get returns the stamp and data of key: ErrNotFound when there is no
// entry, a *CorruptError when its file cannot be used.
func (s *Store) Get(key []string) (stamp time.Time, data []byte, err error) {
	path, err := s.Path(key)
	if err != nil {
		return time.Time{}, nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return time.Time{}, nil, ErrNotFound
	}
	if err != nil {
		return time.Time{}, nil, &CorruptError{Path: path, Reason: "unreadable: " + err.Error()}
	}
	stamp, data, why := decode(b)
	if why != "" {
		return time.Time{}, nil, &CorruptError{Path: path, Reason: why}
	}
	return stamp, data, nil
}

func decode(b []byte) (time.Time, []byte, string) {
	if len(b) < headerLen || !bytes.Equal(b[:len(magic)], magic[:]) {
		if len(b) < len(magic) || bytes.Equal(b[:len(magic)], magic[:]) {
			return time.Time{}, nil, "truncated"
		}
		return time.Time{}, nil, "not an entry of this cache"
	}
	h := b[len(magic):]
	if v := binary.BigEndian.Uint32(h); v != FormatVersion {
		return time.Time{}, nil, fmt.Sprintf("format version %d, this provider reads version %d", v, FormatVersion)
	}
	stamp := time.Unix(0, int64(binary.BigEndian.Uint64(h[4:]))).UTC() //nolint:gosec // the stamp was written from an int64
	n := binary.BigEndian.Uint64(h[12:])
	data := b[headerLen:]
	if uint64(len(data)) != n {
		return time.Time{}, nil, fmt.Sprintf("truncated or padded: %d bytes of data, the header says %d", len(data), n)
	}
	if sum := sha256.Sum256(data); !bytes.Equal(sum[:], h[20:20+sha256.Size]) {
		return time.Time{}, nil, "checksum mismatch (garbled)"
	}
	return stamp, data, ""
}

// Put writes the entry of key atomically: a reader sees the old entry or
// the new one, never a mix. The file is 0600.
func (s *Store) Put(key []string, stamp time.Time, data []byte) error {
	path, err := s.Path(key)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.dir, tmpPrefix+"*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	header := make([]byte, headerLen)
	copy(header, magic[:])
	h := header[len(magic):]
	binary.BigEndian.PutUint32(h, FormatVersion)
	binary.BigEndian.PutUint64(h[4:], uint64(stamp.UnixNano())) //nolint:gosec // round-trips through int64
	binary.BigEndian.PutUint64(h[12:], uint64(len(data)))
	sum := sha256.Sum256(data)
	copy(h[20:], sum[:])
	_, err = f.Write(header)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
