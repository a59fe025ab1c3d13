package codec_test

import (
	"fmt"

	"github.com/gask-dev/gask/codec"
)

func Example() {
	b, err := codec.Marshal([]float64{1.5, 2.5})
	if err != nil {
		panic(err)
	}
	v, err := codec.Unmarshal[[]float64](b)
	fmt.Println(len(b), v, err)
	// Output: 16 [1.5 2.5] <nil>
}

func ExampleFor() {
	type result struct {
		Name  string
		Score float64
	}
	c := codec.For[result]()
	var stored any = result{"a", 0.5} // as a worker holds results
	b, _ := c.Encode(stored)
	v, _ := c.Decode(b)
	fmt.Printf("%v %+v\n", c.Type(), v)
	// Output: codec_test.result {Name:a Score:0.5}
}

func ExampleUnmarshal_error() {
	_, err := codec.Unmarshal[[]float64](make([]byte, 13))
	fmt.Println(err)
	// Output: codec: decode []float64: payload of 13 bytes is not a multiple of 8
}

func ExampleSize() {
	fmt.Println(codec.Size(make([]float64, 1000)), codec.Size(3), codec.Size("hello"))
	// Output: 8024 8 21
}
