//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package hostpace

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// supported: this system has flock.
const supported = true

// tryLock takes the exclusive lock of f without blocking; busy is true
// when another process holds it.
func tryLock(f *os.File) (busy bool, err error) {
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// openState opens the state file, creating it 0600 if create is set,
// never through a symbolic link, and refuses one owned by another user or
// that is not a regular file.
func openState(path string, create bool) (*os.File, error) {
	flags := os.O_RDWR | unix.O_NOFOLLOW
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		if !fi.Mode().IsRegular() {
			err = errors.New("the state file is not a regular file")
		} else if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
			err = errors.New("the state file is owned by another user")
		} else if fi.Mode().Perm() != 0o600 {
			err = f.Chmod(0o600)
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
