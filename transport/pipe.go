package transport

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// inprocBuffer bounds the bytes in flight one way on an inproc connection:
// writes return as soon as their bytes are buffered and block only when
// this much is waiting for the reader.
const inprocBuffer = 4 << 20

// errBrokenPipe is the error of a write whose reader has closed, the same
// error a TCP write to a closed peer eventually gets.
var errBrokenPipe = os.NewSyscallError("write", syscall.EPIPE)

// pipe is one direction of an inproc connection: a ring buffer that grows
// up to inprocBuffer. One Read and one Write at a time hold a turn (reading,
// writing), so concurrent writes never interleave; the holders copy outside
// mu, the reader out of the buffered bytes and the writer into the free
// space, which do not overlap, so both copies run in parallel.
type pipe struct {
	mu       sync.Mutex
	readable sync.Cond // data, end of a read, closes, read deadline
	writable sync.Cond // space, end of a write, closes, write deadline

	buf     []byte
	head, n int   // buffered bytes are buf[head:head+n], wrapping around
	vals    []any // values passed unencoded (sendValues), in order, for readValue
	// offer: the writing end will pass values once the reading end agrees
	// (see inprocConn.OfferValues).
	offer   atomic.Bool
	reading bool
	writing bool

	wclosed bool // the writing end closed: reads drain, then io.EOF
	rclosed bool // the reading end closed: buffered data is dropped
	rdl     deadline
	wdl     deadline
}

// maxCopy bounds one unlocked copy into the buffer, so that the reader
// starts on a large write before all of it is in.
const maxCopy = 256 << 10

// deadline is one Set*Deadline; its timer sets expired and wakes waiters.
type deadline struct {
	expired bool
	gen     uint64 // tells a stale timer from the current one
	timer   *time.Timer
}

func newPipe() *pipe {
	p := new(pipe)
	p.readable.L = &p.mu
	p.writable.L = &p.mu
	return p
}

func (p *pipe) setDeadline(d *deadline, wake *sync.Cond, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d.stop()
	d.expired = false
	if t.IsZero() {
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		d.expired = true
		wake.Broadcast()
		return
	}
	gen := d.gen
	d.timer = time.AfterFunc(wait, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if d.gen == gen {
			d.expired = true
			wake.Broadcast()
		}
	})
}

// stop disarms the timer; a callback already running sees a new gen.
func (d *deadline) stop() {
	d.gen++
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

func (p *pipe) read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.rclosed:
			return 0, net.ErrClosed
		case len(b) == 0:
			return 0, nil
		case p.rdl.expired:
			return 0, os.ErrDeadlineExceeded
		case p.reading:
			// Another Read has the turn.
		case p.n > 0:
			return p.take(b), nil
		case p.wclosed:
			return 0, io.EOF
		}
		p.readable.Wait()
	}
}

// take copies buffered bytes into b, with mu unlocked during the copy.
func (p *pipe) take(b []byte) int {
	buf, head, k := p.buf, p.head, min(len(b), p.n)
	p.reading = true
	p.mu.Unlock()
	m := copy(b[:k], buf[head:])
	copy(b[m:k], buf)
	p.mu.Lock()
	p.reading = false
	if !p.rclosed {
		// A write may have grown buf meanwhile, moving the bytes to its
		// start in order; head+k is right either way.
		p.head += k
		if p.head >= len(p.buf) {
			p.head -= len(p.buf)
		}
		// head must not jump back to 0 when n reaches 0: a Write may be
		// copying to head+n right now.
		p.n -= k
	}
	p.readable.Broadcast()
	p.writable.Broadcast()
	return k
}

func (p *pipe) write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if err := p.writeErr(); err != nil {
			return 0, err
		}
		if !p.writing {
			break
		}
		p.writable.Wait()
	}
	if len(b) == 0 {
		return 0, nil
	}
	p.writing = true
	defer func() {
		p.writing = false
		p.writable.Broadcast()
	}()
	written := 0
	for len(b) > 0 {
		if err := p.writeErr(); err != nil {
			return written, err
		}
		if p.n == inprocBuffer {
			p.writable.Wait()
			continue
		}
		k := p.put(b[:min(len(b), maxCopy)])
		written += k
		b = b[k:]
	}
	return written, nil
}

func (p *pipe) writeErr() error {
	switch {
	case p.wclosed:
		return net.ErrClosed
	case p.rclosed:
		return errBrokenPipe
	case p.wdl.expired:
		return os.ErrDeadlineExceeded
	}
	return nil
}

// put copies as much of b as fits into the free space, growing buf if it
// is below its bound, with mu unlocked during the copy.
func (p *pipe) put(b []byte) int {
	if want := min(p.n+len(b), inprocBuffer); want > len(p.buf) {
		p.grow(want)
	}
	buf, k := p.buf, min(len(b), len(p.buf)-p.n)
	tail := p.head + p.n
	if tail >= len(buf) {
		tail -= len(buf)
	}
	p.mu.Unlock()
	m := copy(buf[tail:], b[:k])
	copy(buf, b[m:k])
	p.mu.Lock()
	if !p.rclosed {
		p.n += k
	}
	p.readable.Broadcast()
	return k
}

// grow moves the buffered bytes, in order, to the start of a new buffer of
// at least want bytes. The old buffer is left as it was for a Read copying
// from it.
func (p *pipe) grow(want int) {
	size := max(len(p.buf), 4<<10)
	for size < want {
		size *= 2
	}
	buf := make([]byte, min(size, inprocBuffer))
	m := copy(buf[:p.n], p.buf[p.head:])
	copy(buf[m:p.n], p.buf)
	p.buf, p.head = buf, 0
}

func (p *pipe) closeWriter() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wclosed = true
	p.wdl.stop()
	p.readable.Broadcast()
	p.writable.Broadcast()
}

func (p *pipe) closeReader() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rclosed = true
	p.buf, p.head, p.n = nil, 0, 0
	p.vals = nil
	p.rdl.stop()
	p.readable.Broadcast()
	p.writable.Broadcast()
}

// sendValues queues vs for readValue, in order. It never blocks: values
// are not bytes in the buffer, and the peers that pass them (wire.Conn's
// direct mode) bound what they send themselves.
func (p *pipe) sendValues(vs []any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.writeErr(); err != nil {
		return err
	}
	p.vals = append(p.vals, vs...)
	p.readable.Broadcast()
	return nil
}

// readValue returns the next value sent with sendValues, waiting for one;
// after the writer closed and every value was read, io.EOF.
func (p *pipe) readValue() (any, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.rclosed:
			return nil, net.ErrClosed
		case p.rdl.expired:
			return nil, os.ErrDeadlineExceeded
		case len(p.vals) > 0:
			v := p.vals[0]
			p.vals[0] = nil
			if p.vals = p.vals[1:]; len(p.vals) == 0 {
				p.vals = nil
			}
			return v, nil
		case p.wclosed:
			return nil, io.EOF
		}
		p.readable.Wait()
	}
}
