//go:build unix

package rowstore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Permission bits and owners are Unix's: on Windows the directory's ACLs
// protect it (modesProtect is false there).

func TestUnsafeDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, mode := range []fs.FileMode{0o777, 0o770, 0o702} {
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		var unsafe *UnsafeDirError
		if _, err := Open(dir); !errors.As(err, &unsafe) {
			t.Errorf("mode %04o: Open = %v", mode, err)
		}
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err != nil {
		t.Errorf("mode 0750 (no write for others): %v", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := *fi.Sys().(*syscall.Stat_t)
	st.Uid = uint32(os.Getuid() + 1)
	var unsafe *UnsafeDirError
	if err := checkDir(dir, otherOwner{fi, &st}); !errors.As(err, &unsafe) {
		t.Errorf("a directory of another user: %v", err)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file); !errors.As(err, &unsafe) && err == nil {
		t.Error("a file was accepted as the directory")
	}
}

// otherOwner is a directory's FileInfo as another user's.
type otherOwner struct {
	fs.FileInfo
	st *syscall.Stat_t
}

func (o otherOwner) Sys() any { return o.st }
