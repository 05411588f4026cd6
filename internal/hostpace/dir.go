package hostpace

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Dir is the per-user directory of the state files: talkdesk-pace-<uid>
// under os.TempDir.
func Dir() string {
	return filepath.Join(os.TempDir(), "talkdesk-pace-"+strconv.Itoa(os.Getuid()))
}

// usableDir creates dir (0700) if it does not exist and refuses it when it
// is not a directory of this user that only this user can write to: the
// state file steers how fast every process of the user sends, so no one
// else may write it.
func usableDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by group or others (mode %v)", dir, fi.Mode().Perm())
	}
	if uid, ok := ownerOf(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%s is owned by uid %d, not by this user", dir, uid)
	}
	return nil
}
