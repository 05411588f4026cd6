//go:build unix

package rowstore

import (
	"io/fs"
	"syscall"
)

// modesProtect: the permission bits say who may write the directory.
const modesProtect = true

// ownerOf is the user id that owns fi's file.
func ownerOf(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
