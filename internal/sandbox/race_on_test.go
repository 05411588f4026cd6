//go:build race

package sandbox

// raceEnabled lets performance tests skip their timing checks under the race
// detector, which slows everything down several times.
const raceEnabled = true
