// Package keylock serialises work on one key (an account) within a
// process, with a fixed set of mutexes the keys hash onto, so memory stays
// bounded however many keys there are.
package keylock

import (
	"hash/fnv"
	"sync"
)

// Set is a fixed set of locks; the zero value is ready.
type Set [64]sync.Mutex

// Lock locks key's mutex and returns its unlock. Two keys may share one.
func (s *Set) Lock(key string) (unlock func()) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	m := &s[h.Sum32()%uint32(len(s))]
	m.Lock()
	return m.Unlock
}
