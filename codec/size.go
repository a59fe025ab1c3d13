package codec

import (
	"reflect"
	"sync"
	"unsafe"
)

// Size estimates how many bytes of memory v occupies, counting what it
// references, like Dask's sizeof: the scheduler and workers use it to
// account for results and to decide when to spill.
//
// Numbers, strings, []byte and slices of numbers are counted exactly
// (a slice by its capacity plus its header, a string by its length plus
// its header), and so is a []string, walked in full.
// Other values are walked by reflection: slices, arrays and maps of more
// than a few hundred elements that themselves reference memory are
// sampled and extrapolated, maps are charged a per-entry overhead, and a
// budget on the number of values visited bounds the cost on huge or
// cyclic graphs, so the estimate is cheap and may be low for them. Size
// never encodes v and never returns less than 8.
func Size(v any) int64 {
	return max(8, sizeOf(v))
}

const (
	sliceHeader  = int64(unsafe.Sizeof([]byte(nil)))
	stringHeader = int64(unsafe.Sizeof(""))
)

func sizeOf(v any) int64 {
	switch v := v.(type) {
	case nil:
		return 0
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, uintptr,
		float32, float64, complex64:
		return 8
	case complex128:
		return 16
	case string:
		return stringHeader + int64(len(v))
	case []byte:
		return sliceHeader + int64(cap(v))
	case []float64:
		return sliceHeader + 8*int64(cap(v))
	case []float32:
		return sliceHeader + 4*int64(cap(v))
	case []int64:
		return sliceHeader + 8*int64(cap(v))
	case []int:
		return sliceHeader + int64(unsafe.Sizeof(0))*int64(cap(v))
	case []int32:
		return sliceHeader + 4*int64(cap(v))
	case []string:
		n := sliceHeader + stringHeader*int64(cap(v))
		for _, s := range v {
			n += int64(len(s))
		}
		return n
	}
	rv := reflect.ValueOf(v)
	w := walker{budget: walkBudget}
	return int64(rv.Type().Size()) + w.indirect(rv)
}

const (
	walkBudget = 1 << 14 // values visited before the walk stops descending
	walkSample = 256     // elements examined per slice, array or map
	mapEntry   = 16      // per-entry overhead charged to maps, besides key and value
)

// walker sums the memory that values reference.
type walker struct {
	budget int
}

// indirect is the memory v references, excluding v's own inline size.
func (w *walker) indirect(v reflect.Value) int64 {
	if w.budget <= 0 {
		return 0
	}
	w.budget--
	switch v.Kind() {
	case reflect.String:
		return int64(v.Len())
	case reflect.Slice:
		if v.IsNil() {
			return 0
		}
		elem := v.Type().Elem()
		return int64(v.Cap())*int64(elem.Size()) + w.elems(v, v.Len(), elem)
	case reflect.Array:
		return w.elems(v, v.Len(), v.Type().Elem())
	case reflect.Struct:
		var n int64
		for _, i := range refFields(v.Type()) {
			n += w.indirect(v.Field(i))
		}
		return n
	case reflect.Pointer:
		if v.IsNil() {
			return 0
		}
		return int64(v.Type().Elem().Size()) + w.indirect(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return 0
		}
		e := v.Elem()
		n := w.indirect(e)
		if !pointerShaped(e.Kind()) {
			n += int64(e.Type().Size()) // boxed
		}
		return n
	case reflect.Map:
		return w.mapSize(v)
	case reflect.Chan:
		if v.IsNil() {
			return 0
		}
		return int64(v.Cap()) * int64(v.Type().Elem().Size())
	}
	return 0
}

// elems is the memory referenced by the first n elements of v, a slice or
// array, sampled evenly when there are many.
func (w *walker) elems(v reflect.Value, n int, elem reflect.Type) int64 {
	if n == 0 || !references(elem) {
		return 0
	}
	if n <= walkSample {
		var sum int64
		for i := range n {
			sum += w.indirect(v.Index(i))
		}
		return sum
	}
	var sum int64
	for i := range walkSample {
		sum += w.indirect(v.Index(i * n / walkSample))
	}
	return sum * int64(n) / walkSample
}

func (w *walker) mapSize(v reflect.Value) int64 {
	if v.IsNil() {
		return 0
	}
	t := v.Type()
	n := int64(v.Len())
	size := 48 + n*(int64(t.Key().Size())+int64(t.Elem().Size())+mapEntry)
	if n == 0 || !references(t.Key()) && !references(t.Elem()) {
		return size
	}
	var sum, seen int64
	for it := v.MapRange(); seen < walkSample && it.Next(); seen++ {
		sum += w.indirect(it.Key()) + w.indirect(it.Value())
	}
	if seen == 0 {
		return size
	}
	return size + sum*n/seen
}

// references reports whether values of t may reference memory outside
// themselves.
func references(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Pointer,
		reflect.Interface, reflect.Chan:
		return true
	case reflect.Array:
		return t.Len() > 0 && references(t.Elem())
	case reflect.Struct:
		return len(refFields(t)) > 0
	}
	return false
}

// structRefs caches refFields: reflecting on fields costs more than
// walking them.
var structRefs sync.Map // reflect.Type → []int

// refFields lists the indexes of the fields of struct type t that may
// reference memory; the walk skips the others.
func refFields(t reflect.Type) []int {
	if f, ok := structRefs.Load(t); ok {
		return f.([]int)
	}
	f := []int{}
	for i := range t.NumField() {
		if references(t.Field(i).Type) {
			f = append(f, i)
		}
	}
	structRefs.Store(t, f)
	return f
}

// pointerShaped reports whether an interface holds values of kind k in its
// data word rather than boxing them.
func pointerShaped(k reflect.Kind) bool {
	switch k {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	}
	return false
}
