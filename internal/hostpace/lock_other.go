//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package hostpace

import (
	"io/fs"
	"os"
)

// supported: without flock the processes pace alone.
const supported = false

func tryLock(*os.File) (bool, error)           { return false, errUnsupported }
func unlock(*os.File) error                    { return errUnsupported }
func openState(string, bool) (*os.File, error) { return nil, errUnsupported }
func ownerOf(fs.FileInfo) (int, bool)          { return 0, false }
