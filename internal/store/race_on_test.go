//go:build race

package store_test

// raceDetector says the race detector is on: SQLite, transpiled C, runs many times slower under it.
const raceDetector = true
