// Package hostpace lets the processes of one host that spend one quota
// share a pace through a small state file, coordinated with file locks:
// no daemon, no network service. It knows nothing of the API whose quota
// it is: the pace-keeper decides the rate and what it learned, and this
// package is where the processes publish it and take their turns.
//
// One state file per key (a name of the quota, never a secret) lives in a
// per-user directory under os.TempDir (so TMPDIR is honoured): the
// directory 0700 and owned by the user, the file 0600. Every operation
// holds the file's flock for the few microseconds it takes to read and
// rewrite the file, and nothing else. A garbled or unreadable file is
// replaced; a directory that cannot be used is reported by Open, and the
// caller then paces alone. A file removed while processes hold it open is
// made again at their next operation, and Open removes the files no
// process has written for a day (sweep.go).
//
// Turns are placed at the board's rate and burst (a GCRA), each sent at
// the offset its pace-keeper chose within its interval, or at the end of
// the span it chose to align them to (so that the turns of every process
// due within one span go together), and no window
// holds more of them, whichever process took them, than the count the
// pace-keeper asks for: the file keeps the last send times. A pace-keeper
// may restart the turns from a given time (Board.Resume), dropping those
// booked before; WindowFree tells when the send times leave room.
//
// Each process registers a share: a heartbeat in the file that every
// operation refreshes and that expires two seconds after the process
// stops taking turns (a process killed with SIGKILL releases it so; one
// that closes its Pace releases it at once).
package hostpace
