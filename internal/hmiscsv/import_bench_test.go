package hmiscsv

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// benchExport writes the synthetic export the import benchmarks read: 100,000 clients in 20,000
// units, about a million enrollments, the size of a large CoC's HMIS. It returns the folder, the
// data rows of the files Map reads and their bytes.
func benchExport(b *testing.B) (dir string, rows int, bytes int64) {
	b.Helper()
	if testing.Short() {
		b.Skip("writes an export of 100,000 clients and a million enrollments")
	}
	dir, stats := MustGenerate(b, GenOptions{Clients: 100_000, Units: 20_000, Seed: 1})
	for _, f := range importFiles {
		rows += stats.Rows[f]
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			b.Fatal(err)
		}
		bytes += fi.Size()
	}
	return dir, rows, bytes
}

// BenchmarkImport measures the whole import of a large export: Map, then ImportHMIS into a fresh
// SQLite database, and a fresh PostgreSQL one when a server is at hand. It reports rows read per
// second, the seconds of each half, the heap Map holds once it has read every file (what it keeps
// of each enrollment), and the processor time it used, with the rows read per second of it.
func BenchmarkImport(b *testing.B) {
	dir, rows, bytes := benchExport(b)
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storetest.SQLiteURL}, {"postgres", storetest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) { benchmarkImport(b, dir, rows, bytes, db.url) })
	}
}

func benchmarkImport(b *testing.B, dir string, rows int, bytes int64, dbURL func(testing.TB) string) {
	ctx := context.Background()
	b.SetBytes(bytes)
	var mapping, storing, cpu time.Duration
	var heap uint64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := storetest.Open(b, dbURL(b))
		e := MustOpen(b, dir)
		b.StartTimer()
		var measuring, measuringCPU time.Duration // the heap, not the mapping
		start, startCPU := time.Now(), cpuTime()
		in, report, err := Map(ctx, e, func(p Progress) {
			if p.Done && p.File == importFiles[len(importFiles)-1] {
				b.StopTimer()
				began, beganCPU := time.Now(), cpuTime()
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = max(heap, ms.HeapAlloc)
				measuring, measuringCPU = time.Since(began), cpuTime()-beganCPU
				b.StartTimer()
			}
		})
		if err != nil {
			b.Fatalf("%v: %v", err, report.Problems)
		}
		mapped := time.Now()
		res, err := db.ImportHMIS(ctx, cas.System, in, false)
		if err != nil {
			b.Fatal(err)
		}
		if res.Created["clients"] != 100_000 {
			b.Fatalf("created %v", res.Created)
		}
		mapping, storing = mapping+mapped.Sub(start)-measuring, storing+time.Since(mapped)
		cpu += cpuTime() - startCPU - measuringCPU
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(mapping.Seconds()/float64(b.N), "map-s/op")
	b.ReportMetric(storing.Seconds()/float64(b.N), "store-s/op")
	b.ReportMetric(float64(heap)/(1<<20), "map-heap-MB")
	reportCPU(b, rows, cpu)
}

// reportCPU reports the processor time a benchmark used per op and the rows it read per second
// of it: figures that hold on a busy machine, where elapsed time depends on the others' load. It
// is the process's time: into PostgreSQL, not the server's.
func reportCPU(b *testing.B, rows int, cpu time.Duration) {
	if cpu <= 0 {
		return
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(rows*b.N)/cpu.Seconds(), "rows/cpu-s")
}

// BenchmarkParseOnly reads the same files with encoding/csv alone, no mapping: the floor under
// BenchmarkImport's reading.
func BenchmarkParseOnly(b *testing.B) {
	dir, rows, bytes := benchExport(b)
	b.SetBytes(bytes)
	b.ResetTimer()
	startCPU := cpuTime()
	for range b.N {
		read := 0
		for _, file := range importFiles {
			read += parseFile(b, filepath.Join(dir, file))
		}
		if read != rows {
			b.Fatalf("read %d rows, want %d", read, rows)
		}
	}
	reportCPU(b, rows, cpuTime()-startCPU)
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// parseFile reads every record of a CSV file and returns the number after the header.
func parseFile(b *testing.B, path string) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	n := -1
	for {
		if _, err := r.Read(); err == io.EOF {
			return n
		} else if err != nil {
			b.Fatal(err)
		}
		n++
	}
}
