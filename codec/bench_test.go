package codec

import (
	"testing"

	"github.com/gask-dev/gask/array/chunk"
)

var sinkBytes []byte

func BenchmarkMarshalInt(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		sinkBytes, _ = Marshal(i)
	}
}

func BenchmarkAppendMarshalInt(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 8)
	for i := range b.N {
		buf, _ = AppendMarshal(buf[:0], i)
	}
}

func BenchmarkUnmarshalInt(b *testing.B) {
	b.ReportAllocs()
	p, _ := Marshal(12345)
	sum := 0
	for range b.N {
		v, _ := Unmarshal[int](p)
		sum += v
	}
	if sum != 12345*b.N {
		b.Fatal("bad sum")
	}
}

func BenchmarkRoundTripInt(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		p, _ := Marshal(i)
		if v, _ := Unmarshal[int](p); v != i {
			b.Fatal("mismatch")
		}
	}
}

func BenchmarkRoundTripNamedFloat(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		p, _ := Marshal(celsius(i))
		if v, _ := Unmarshal[celsius](p); v != celsius(i) {
			b.Fatal("mismatch")
		}
	}
}

func BenchmarkCodecRoundTripInt(b *testing.B) {
	b.ReportAllocs()
	c := For[int]()
	var v any = 7
	for range b.N {
		p, _ := c.Encode(v)
		v, _ = c.Decode(p)
	}
}

const eightMiB = 8 << 20

func BenchmarkMarshalFloat64s_8MiB(b *testing.B) {
	s := make([]float64, eightMiB/8)
	for i := range s {
		s[i] = float64(i)
	}
	b.SetBytes(eightMiB)
	b.ReportAllocs()
	for range b.N {
		sinkBytes, _ = Marshal(s)
	}
}

func BenchmarkUnmarshalFloat64s_8MiB(b *testing.B) {
	s := make([]float64, eightMiB/8)
	p, _ := Marshal(s)
	b.SetBytes(eightMiB)
	b.ReportAllocs()
	for range b.N {
		v, _ := Unmarshal[[]float64](p)
		if len(v) != len(s) {
			b.Fatal("short")
		}
	}
}

func BenchmarkUnmarshalFloat64s_8MiB_Unaligned(b *testing.B) {
	s := make([]float64, eightMiB/8)
	enc, _ := Marshal(s)
	p := append([]byte{0}, enc...)[1:]
	b.SetBytes(eightMiB)
	b.ReportAllocs()
	for range b.N {
		v, _ := Unmarshal[[]float64](p)
		if len(v) != len(s) {
			b.Fatal("short")
		}
	}
}

func BenchmarkStruct(b *testing.B) {
	v := shape{
		ID:     42,
		Points: []point{{1, 2, "a"}, {3, 4, "b"}},
		Tags:   map[string]string{"k": "v"},
		Raw:    []byte("raw"),
	}
	b.ReportAllocs()
	for range b.N {
		p, err := Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Unmarshal[shape](p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSizeStruct(b *testing.B) {
	v := shape{Points: make([]point, 1000), Tags: map[string]string{"k": "v"}}
	b.ReportAllocs()
	for range b.N {
		Size(v)
	}
}

// BenchmarkChunkRoundTrip2000 encodes and decodes a 2000×2000 chunk (32
// MB), the seed workload's block: one copy to encode, none to decode.
func BenchmarkChunkRoundTrip2000(b *testing.B) {
	c := chunk.Uniform([]int{2000, 2000}, 1, 1)
	b.SetBytes(8 * 2000 * 2000)
	b.ReportAllocs()
	for b.Loop() {
		p, err := Marshal(c)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Unmarshal[*chunk.Chunk](p)
		if err != nil || len(d.Data) != len(c.Data) {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkEncode2000 is the encoding half, into a reused buffer:
// one copy of the data.
func BenchmarkChunkEncode2000(b *testing.B) {
	c := chunk.Uniform([]int{2000, 2000}, 1, 1)
	buf, _ := Marshal(c)
	b.SetBytes(8 * 2000 * 2000)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendMarshal(buf[:0], c)
	}
}

// BenchmarkChunkDecode2000 is the decoding half: the payload is the data,
// so the cost does not grow with the chunk.
func BenchmarkChunkDecode2000(b *testing.B) {
	p, _ := Marshal(chunk.Uniform([]int{2000, 2000}, 1, 1))
	b.SetBytes(8 * 2000 * 2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal[*chunk.Chunk](p); err != nil {
			b.Fatal(err)
		}
	}
}
