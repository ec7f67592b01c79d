package hmiscsv

import (
	"strconv"
	"testing"
)

func TestIDs(t *testing.T) {
	var x ids
	if _, ok := x.number("E1"); ok {
		t.Error("an empty ids numbers E1")
	}
	// Enough IDs to grow the table several times, some alike but for their case or a space.
	const n = 5000
	for i := range n {
		id := "E" + strconv.Itoa(i)
		if _, ok := x.number(id); ok {
			t.Fatalf("%s has a number before it is added", id)
		}
		if got, added := x.add(id); got != int32(i) || !added {
			t.Fatalf("add(%s) = %d, %v, want %d, true", id, got, added, i)
		}
		if got, added := x.add(id); got != int32(i) || added {
			t.Fatalf("add(%s) again = %d, %v, want %d, false", id, got, added, i)
		}
		if i == n/3 { // room made midway keeps the numbers given so far
			x.reserve(n, 6*n)
		}
	}
	for i := range n {
		id := "E" + strconv.Itoa(i)
		if got, ok := x.number(id); !ok || got != int32(i) || x.id(got) != id {
			t.Fatalf("number(%s) = %d, %v", id, got, ok)
		}
		for _, other := range []string{"e" + strconv.Itoa(i), id + " ", "E" + strconv.Itoa(i+n)} {
			if _, ok := x.number(other); ok {
				t.Fatalf("%q has a number", other)
			}
		}
	}
}

func BenchmarkIDs(b *testing.B) {
	keys := make([]string, 1_000_000)
	for i := range keys {
		keys[i] = "E" + strconv.Itoa(i*7919%len(keys))
	}
	b.Run("ids", func(b *testing.B) {
		for b.Loop() {
			var x ids
			for _, k := range keys {
				x.add(k)
			}
		}
	})
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			m := map[string]int32{}
			var list []string
			for _, k := range keys {
				if _, ok := m[k]; !ok {
					m[k] = int32(len(list))
					list = append(list, k)
				}
			}
		}
	})
}
