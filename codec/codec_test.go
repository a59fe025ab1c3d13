package codec

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestForCaches(t *testing.T) {
	if For[point]() != For[point]() {
		t.Errorf("For[point]() returned two Codecs")
	}
	if got, want := For[[]float64]().Type(), reflect.TypeFor[[]float64](); got != want {
		t.Errorf("For[[]float64]().Type() = %v, want %v", got, want)
	}
	// Concurrent first use returns one Codec (run with -race).
	type fresh struct{ A int }
	var wg sync.WaitGroup
	got := make([]*Codec, 16)
	for i := range got {
		wg.Go(func() { got[i] = For[fresh]() })
	}
	wg.Wait()
	for i, c := range got {
		if c != got[0] {
			t.Errorf("For[fresh]() in goroutine %d = %p, want %p", i, c, got[0])
		}
	}
}

func TestCodecAny(t *testing.T) {
	c := For[point]()
	b, err := c.Encode(point{X: 1})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(b)
	if p, ok := v.(point); err != nil || !ok || p.X != 1 {
		t.Errorf("Decode = %#v, %v, want point{X: 1}", v, err)
	}
	if m, err := Marshal(point{X: 1}); err != nil || string(m) != string(b) {
		t.Errorf("Encode and Marshal disagree: %x, %x", b, m)
	}
	ab, err := c.AppendEncode([]byte("p"), point{X: 1})
	if err != nil || string(ab) != "p"+string(b) {
		t.Errorf("AppendEncode = %x, %v, want 70%x", ab, err, b)
	}

	// A value of the wrong type is an error, not a panic.
	if b, err := c.Encode(1.5); err == nil || !strings.Contains(err.Error(), "value has type float64") {
		t.Errorf("For[point]().Encode(1.5) = %x, %v, want a type error", b, err)
	}
	if b, err := c.Encode(nil); err == nil {
		t.Errorf("For[point]().Encode(nil) = %x, want an error", b)
	}
	// nil is the zero value of an interface type.
	if b, err := For[any]().Encode(nil); err != nil {
		t.Errorf("For[any]().Encode(nil) = %x, %v", b, err)
	}

	// Decode errors come back as nil values.
	v, err = For[[]float64]().Decode(make([]byte, 5))
	if v != nil || !errors.Is(err, ErrDecode) {
		t.Errorf("Decode(bad) = %#v, %v, want nil and ErrDecode", v, err)
	}
}
