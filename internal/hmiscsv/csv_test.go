package hmiscsv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// csvCases are inputs on which csvReader must read what encoding/csv reads: every case of its
// syntax, and its errors.
var csvCases = []string{
	"",
	"a,b,c\n",
	"a,b,c",
	`"E1","C1","P1",2025-02-07,,"H1",1` + "\n" + `"E2",,"",x` + "\n",
	"a,b\r\nc,d\r\n",
	"a,b\rc\n",
	"a,b\r",
	"\n\n\na\n\n\nb\n",
	"\r\n\r\na\r\n",
	`"a ""quoted"" word",b` + "\n",
	`"two` + "\n" + `lines",b` + "\n" + "c,d\n",
	`"two` + "\r\n" + `lines",b` + "\r\n",
	`"x` + "\n\n" + `y"` + "\n",
	`a,"b"` + "\n",
	`a,""` + "\n",
	`a,"",` + "\n",
	",,,\n",
	"a,b\"c,d\n",
	`a,"b"c,d` + "\n",
	`a,"b` + "\n",
	`a,"b`,
	`"a` + "\n" + `b"c` + "\n",
	`"abc"` + "\r",
	` "a",b` + "\n",
	"a,\"b\"\"\n",
	"é,ü\x00,\xff\xfe\n",
	strings.Repeat("x", 70000) + ",y\n" + `"` + strings.Repeat("z", 70000) + `"` + "\n",
}

func TestCSVReaderReadsAsEncodingCSV(t *testing.T) {
	for _, in := range csvCases {
		compareCSV(t, in)
	}
}

// TestCSVReaderRandom compares the readers on short texts of CSV's special characters, every
// mixture of which the rules must agree on.
func TestCSVReaderRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "a,\"\n\r x"
	for range 50_000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		compareCSV(t, string(b))
	}
}

func FuzzCSVReader(f *testing.F) {
	for _, in := range csvCases {
		f.Add(in)
	}
	f.Fuzz(compareCSV)
}

// compareCSV reads in with csvReader and with encoding/csv, and fails unless they read the same
// records and stop at the same error.
func compareCSV(t *testing.T, in string) {
	want := csv.NewReader(strings.NewReader(in))
	want.FieldsPerRecord = -1
	// A small buffer, so that lines longer than it are read in parts.
	got := newCSVReader(bufio.NewReaderSize(strings.NewReader(in), 64))
	for n := 1; ; n++ {
		wantRec, wantErr := want.Read()
		gotRec, gotErr := got.read(nil)
		if !sameCSVError(wantErr, gotErr) {
			t.Fatalf("%q record %d: error %v, want %v", in, n, gotErr, wantErr)
		}
		if wantErr != nil {
			return
		}
		if !slices.Equal(wantRec, gotRec) {
			t.Fatalf("%q record %d: %q, want %q", in, n, gotRec, wantRec)
		}
		if line, _ := want.FieldPos(0); got.start != line {
			t.Fatalf("%q record %d: starts on line %d, want %d", in, n, got.start, line)
		}
		if got.offset != want.InputOffset() {
			t.Fatalf("%q record %d: offset %d, want %d", in, n, got.offset, want.InputOffset())
		}
	}
}

func sameCSVError(want, got error) bool {
	if errors.Is(want, io.EOF) || want == nil {
		return want == got
	}
	var w, g *csv.ParseError
	if !errors.As(want, &w) || !errors.As(got, &g) {
		return want.Error() == got.Error()
	}
	return *w == *g
}
