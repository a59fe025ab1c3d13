package scheduler

import "container/heap"

// readyQueue holds the queued tasks, most urgent first: higher user
// priority, then lower submission order (seq).
//
// Tasks nearly always arrive at a priority level in submission order (a big
// map queues its tasks one after another), so each level is a FIFO and
// pushing or popping costs O(1) without touching the rest of the queue. A
// task that arrives out of order — queued again after a loss, or set aside
// by fill — goes to a small heap of its level instead. The levels
// themselves are in a heap keyed by priority; there are few of them in
// practice.
type readyQueue struct {
	byPrio map[int64]*level
	levels levelHeap
	n      int
}

type level struct {
	prio  int64
	fifo  []*task // tasks in seq order; nil where one was removed
	head  int     // fifo[:head] are gone
	base  int     // the absolute position of fifo[0]
	live  int     // non-nil entries in fifo[head:]
	late  lateHeap
	index int // in readyQueue.levels
}

// Len is the number of queued tasks.
func (q *readyQueue) Len() int { return q.n }

// push queues t.
func (q *readyQueue) push(t *task) {
	if q.byPrio == nil {
		q.byPrio = make(map[int64]*level)
	}
	l := q.byPrio[t.userPrio]
	if l == nil {
		l = &level{prio: t.userPrio}
		q.byPrio[t.userPrio] = l
		heap.Push(&q.levels, l)
	}
	q.n++
	t.qlevel = l
	if tail := l.tail(); tail == nil || tail.seq < t.seq {
		t.qpos = l.base + len(l.fifo)
		t.qlate = false
		l.fifo = append(l.fifo, t)
		l.live++
		return
	}
	t.qlate = true
	heap.Push(&l.late, t)
}

// peek returns the most urgent task; the queue must not be empty.
func (q *readyQueue) peek() *task { return q.levels[0].first() }

// remove takes t, which must be queued, off the queue.
func (q *readyQueue) remove(t *task) {
	l := t.qlevel
	if t.qlate {
		heap.Remove(&l.late, t.qpos)
	} else {
		l.fifo[t.qpos-l.base] = nil
		l.live--
		for len(l.fifo) > l.head && l.fifo[len(l.fifo)-1] == nil {
			l.fifo = l.fifo[:len(l.fifo)-1]
		}
		l.trim()
	}
	t.qlevel, t.qpos, t.qlate = nil, -1, false
	q.n--
	if l.live == 0 && len(l.late) == 0 {
		heap.Remove(&q.levels, l.index)
		delete(q.byPrio, l.prio)
	}
}

// all calls yield for every queued task, in no particular order.
func (q *readyQueue) all(yield func(*task) bool) {
	for _, l := range q.levels {
		for _, t := range l.fifo[l.head:] {
			if t != nil && !yield(t) {
				return
			}
		}
		for _, t := range l.late {
			if !yield(t) {
				return
			}
		}
	}
}

// tail is the last task in the FIFO, or nil; remove keeps the tail live.
func (l *level) tail() *task {
	if len(l.fifo) > l.head {
		return l.fifo[len(l.fifo)-1]
	}
	return nil
}

// first is the level's most urgent task.
func (l *level) first() *task {
	var f *task
	if l.live > 0 {
		f = l.fifo[l.head] // trim keeps the head live
	}
	if len(l.late) > 0 && (f == nil || l.late[0].seq < f.seq) {
		f = l.late[0]
	}
	return f
}

// trim drops removed entries at the head, and compacts the FIFO once most
// of it is gone so that its memory follows the queue's length.
func (l *level) trim() {
	for l.head < len(l.fifo) && l.fifo[l.head] == nil {
		l.fifo[l.head] = nil
		l.head++
	}
	if l.live == 0 {
		l.base += len(l.fifo)
		l.fifo, l.head = l.fifo[:0], 0
		return
	}
	if l.head >= 1024 && l.head > len(l.fifo)/2 {
		n := copy(l.fifo, l.fifo[l.head:])
		clear(l.fifo[n:])
		l.fifo = l.fifo[:n]
		l.base += l.head
		l.head = 0
	}
}

// levelHeap orders levels by priority, highest first.
type levelHeap []*level

func (h levelHeap) Len() int           { return len(h) }
func (h levelHeap) Less(i, j int) bool { return h[i].prio > h[j].prio }
func (h levelHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *levelHeap) Push(x any) {
	l := x.(*level)
	l.index = len(*h)
	*h = append(*h, l)
}
func (h *levelHeap) Pop() any {
	old := *h
	l := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return l
}

// lateHeap orders a level's out-of-order tasks by seq; task.qpos is the
// index in it.
type lateHeap []*task

func (h lateHeap) Len() int           { return len(h) }
func (h lateHeap) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h lateHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].qpos = i
	h[j].qpos = j
}
func (h *lateHeap) Push(x any) {
	t := x.(*task)
	t.qpos = len(*h)
	*h = append(*h, t)
}
func (h *lateHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
