package scheduler

// few is a small set kept inline while it has one element, as the holders
// and copies of most tasks do: no allocation, and no pointer from a task
// into itself for the garbage collector to follow (a million tasks make
// that count). The rest hang off one pointer, a word where a slice would
// take three. The zero T is never an element: it marks the inline slot
// empty.
type few[T comparable] struct {
	one  [1]T // the element, while there is one (an array, for all to slice)
	more *[]T // every element once there are two or more; one is then ignored
}

// all returns the elements, in the order added. The slice aliases the set:
// it is valid until the next add or delete, and writes to it stick.
func (f *few[T]) all() []T {
	if f.more != nil {
		return *f.more
	}
	var zero T
	if f.one[0] == zero {
		return nil
	}
	return f.one[:]
}

func (f *few[T]) len() int {
	if f.more != nil {
		return len(*f.more)
	}
	var zero T
	if f.one[0] == zero {
		return 0
	}
	return 1
}

func (f *few[T]) add(x T) {
	var zero T
	switch {
	case f.more != nil:
		*f.more = append(*f.more, x)
	case f.one[0] == zero:
		f.one[0] = x
	default:
		// one stays as it was, for a caller still ranging over all().
		f.more = &[]T{f.one[0], x}
	}
}

// deleteFunc removes the elements for which del is true.
func (f *few[T]) deleteFunc(del func(T) bool) {
	var zero T
	if f.more == nil {
		if f.one[0] != zero && del(f.one[0]) {
			f.one[0] = zero
		}
		return
	}
	more := *f.more
	n := 0
	for _, x := range more {
		if !del(x) {
			more[n] = x
			n++
		}
	}
	clear(more[n:])
	switch n {
	case 0:
		f.one[0], f.more = zero, nil
	case 1:
		f.one[0], f.more = more[0], nil
	default:
		*f.more = more[:n]
	}
}

func (f *few[T]) reset() { *f = few[T]{} }
