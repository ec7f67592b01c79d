// Package hmiscsv reads and writes HUD HMIS CSV exports: the FY2024 and FY2026 formats that a
// CoC's HMIS produces, read row by row from a folder or a ZIP file with the tolerance real exports
// need (byte-order marks, mixed quoting, header case, non-standard dates), a writer for HUD's CSV
// layout, and a generator of synthetic exports of any size for tests and benchmarks.
package hmiscsv
