package keymap

import (
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"strconv"
	"testing"
)

// benchKeys returns n keys shaped like gask's (a function name and 24 hex
// digits of a hash), each allocated apart, as decoded messages give them.
func benchKeys(n int) []string {
	ks := make([]string, n)
	seed := maphash.MakeSeed()
	for i := range ks {
		var sum [12]byte
		binary.LittleEndian.PutUint64(sum[:], maphash.String(seed, strconv.Itoa(i)))
		ks[i] = string(hex.AppendEncode([]byte("bench.inc-"), sum[:]))
	}
	return ks
}

type value struct {
	key  string
	pads [20]uint64 // the size of a worker's task
}

// The two benchmarks do what a worker's task table does for a map of n
// tasks: add each key (a fresh copy, as decoded), look it up twice, and
// finally delete them all.
func BenchmarkMap(b *testing.B) {
	for _, n := range []int{10_000, 300_000} {
		keys := benchKeys(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				var m Map[*value]
				for _, k := range keys {
					k = string([]byte(k))
					m.Set(k, &value{key: k})
					_ = m.Get(k)
				}
				for _, k := range keys {
					if m.Get(k) == nil {
						b.Fatal(k)
					}
				}
				for _, k := range keys {
					m.Delete(k)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}

func BenchmarkGoMap(b *testing.B) {
	for _, n := range []int{10_000, 300_000} {
		keys := benchKeys(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				m := map[string]*value{}
				for _, k := range keys {
					k = string([]byte(k))
					m[k] = &value{key: k}
					_ = m[k]
				}
				for _, k := range keys {
					if m[k] == nil {
						b.Fatal(k)
					}
				}
				for _, k := range keys {
					delete(m, k)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
