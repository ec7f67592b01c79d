package hmiscsv

import (
	"hash/maphash"
)

// ids numbers the IDs of one kind of record (EnrollmentID, HouseholdID), 0, 1, 2 and so on, in
// the order they are added: what a map[string]int32 beside a []string would do, but for the
// million IDs of a large export in half the memory and time. It holds no pointers, so the garbage
// collector does not scan it however many IDs it has: the IDs' bytes are one after the other in
// one slice, and growing its table moves numbers without hashing an ID again.
type ids struct {
	text []byte   // the IDs, one after the other
	ends []uint32 // by number, where the ID ends in text
	// slots is a hash table with linear probing. A slot holds the low 32 bits of its ID's hash,
	// which place it, above the ID's number + 1; 0 is a free slot.
	slots []uint64
	seed  maphash.Seed
}

// minSlots is the size of an ids' table when the first ID is added.
const minSlots = 1 << 10

// number returns the number of id, and whether it has one.
func (x *ids) number(id string) (int32, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	h := x.hash(id)
	mask := uint32(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return 0, false
		}
		if n := int32(uint32(s)) - 1; uint32(s>>32) == h && string(x.bytes(n)) == id {
			return n, true
		}
	}
}

// add returns the number of id, giving it the next one when it has none yet, and whether it did.
// The ids keep a copy of id, which may be a field of a row about to be reused.
func (x *ids) add(id string) (n int32, added bool) {
	if 2*(len(x.ends)+1) > len(x.slots) {
		x.grow(2 * len(x.slots))
	}
	h := x.hash(id)
	mask := uint32(len(x.slots) - 1)
	i := h & mask
	for ; x.slots[i] != 0; i = (i + 1) & mask {
		if s := x.slots[i]; uint32(s>>32) == h && string(x.bytes(int32(uint32(s))-1)) == id {
			return int32(uint32(s)) - 1, false
		}
	}
	n = int32(len(x.ends))
	x.text = append(x.text, id...)
	x.ends = append(x.ends, uint32(len(x.text)))
	x.slots[i] = uint64(h)<<32 | uint64(n+1)
	return n, true
}

// reserve makes room for about n IDs of about size bytes each in all, so that a large file's IDs
// are not copied each time the room runs out.
func (x *ids) reserve(n, size int) {
	if n <= len(x.ends) {
		return
	}
	x.ends = append(make([]uint32, 0, n), x.ends...)
	x.text = append(make([]byte, 0, max(size, len(x.text))), x.text...)
	slots := minSlots
	for slots < 2*n {
		slots *= 2
	}
	if slots > len(x.slots) {
		x.grow(slots)
	}
}

// id is the ID numbered n.
func (x *ids) id(n int32) string { return string(x.bytes(n)) }

// bytes is the ID numbered n, in the ids' own memory.
func (x *ids) bytes(n int32) []byte {
	var start uint32
	if n > 0 {
		start = x.ends[n-1]
	}
	return x.text[start:x.ends[n]]
}

func (x *ids) hash(id string) uint32 { return uint32(maphash.String(x.seed, id)) }

// put puts a slot's content in the first free slot from where its hash places it.
func (x *ids) put(s uint64) {
	mask := uint32(len(x.slots) - 1)
	i := uint32(s>>32) & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}

// grow makes the table size slots, a power of two at least twice the IDs, so that a look-up of
// an ID it lacks, which every new record makes, ends within a few slots.
func (x *ids) grow(size int) {
	old := x.slots
	if old == nil {
		x.seed = maphash.MakeSeed()
	}
	x.slots = make([]uint64, max(minSlots, size))
	for _, s := range old {
		if s != 0 {
			x.put(s)
		}
	}
}
