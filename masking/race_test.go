//go:build race

package masking

// raceEnabled skips allocation counts, which the race detector inflates.
const raceEnabled = true
