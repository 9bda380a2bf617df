package businessemail

import "hash/maphash"

// kindTable maps the listed domains to the sources that list them: a
// read-only hash table
// with open addressing over one byte slice holding every domain. Besides
// its two slices it holds no pointers, so the garbage collector does not
// walk its 150,000 entries on every cycle, as it walked the string headers
// of the map[string]Kind it replaces; in the hooks and UI processes, whose
// live heap is mostly these lists, that walk was a measurable part of each
// request's CPU.
type kindTable struct {
	text  []byte
	slots []kindSlot // a power of two long; an empty source set marks a free slot
	seed  maphash.Seed
	count int
}

// kindSlot locates one domain in text.
type kindSlot struct {
	off uint32
	n   uint8     // a domain is at most 253 bytes
	src SourceSet // the lists that carry it
}

// newKindTable returns an empty table with room for up to n domains.
func newKindTable(n int) *kindTable {
	size := 1
	for size < 2*n { // at most half full: probes stay short
		size <<= 1
	}
	return &kindTable{text: make([]byte, 0, 16*n), slots: make([]kindSlot, size), seed: maphash.MakeSeed()}
}

// add lists domain as carried by the sources in k, adding them to its
// sources when it is listed already. Domains longer than 255 bytes, which
// no valid address can have, are left out. Adding more than the table was
// made for panics.
func (t *kindTable) add(domain string, k SourceSet) {
	if k == 0 || len(domain) > 255 {
		return
	}
	mask := uint64(len(t.slots) - 1)
	i := maphash.String(t.seed, domain) & mask
	for ; t.slots[i].src != 0; i = (i + 1) & mask {
		if s := t.slots[i]; int(s.n) == len(domain) && string(t.text[s.off:s.off+uint32(s.n)]) == domain {
			t.slots[i].src |= k
			return
		}
	}
	if 2*(t.count+1) > len(t.slots) {
		panic("businessemail: kindTable is full")
	}
	t.slots[i] = kindSlot{off: uint32(len(t.text)), n: uint8(len(domain)), src: k}
	t.text = append(t.text, domain...)
	t.count++
}

// lookup returns the sources that list domain, none when it is not listed
// (or the table is nil).
func (t *kindTable) lookup(domain string) SourceSet {
	if t == nil || len(t.slots) == 0 || len(domain) > 255 {
		return 0
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.String(t.seed, domain) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.src == 0 {
			return 0
		}
		if int(s.n) == len(domain) && string(t.text[s.off:s.off+uint32(s.n)]) == domain {
			return s.src
		}
	}
}
