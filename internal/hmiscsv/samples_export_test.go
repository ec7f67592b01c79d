package hmiscsv

import "testing"

// SamplesDir is the folder of HUD-shaped sample exports, for the package's external tests; they
// skip without it, except in CI.
func SamplesDir(tb testing.TB) string { return samples(tb) }
