//go:build !unix

package rowstore

import "io/fs"

// modesProtect: Go reports every directory as 0777 here (Windows), which
// says nothing of who may write it: its ACLs decide.
const modesProtect = false

// ownerOf: files have no owning user id here (Windows); the mode checks
// are what is left.
func ownerOf(fs.FileInfo) (int, bool) { return 0, false }
