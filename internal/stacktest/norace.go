//go:build !race

package stacktest

// raceEnabled says the tests run with the race detector, and so do the
// workid processes they start.
const raceEnabled = false
