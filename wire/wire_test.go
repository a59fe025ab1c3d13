package wire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func sampleMessages() []Msg {
	res := []Resource{{"GPU", 1}, {"MEM", 8e9}}
	rerr := &RemoteError{Kind: KindTask, Key: "inc-1", Message: "boom", Stack: "goroutine 1", Detail: []byte(`{"ExitCode":3}`)}
	return []Msg{
		&Hello{Proto: Version, Role: RoleWorker, Name: "w1", Build: "b", Funcs: []string{"inc@12"}, Addr: "tcp://127.0.0.1:1", NThreads: 4, MemoryLimit: 1 << 30, Resources: res, PID: 42},
		&Welcome{ID: "w1", Build: "b"},
		&Welcome{Err: rerr},
		&UpdateGraph{Tasks: []TaskSpec{{Key: "a", Func: "f@1", Args: []byte{1, 2}, Deps: []string{"x", "y"}, Priority: -3, Retries: 2, Resources: res, Workers: []string{"w1"}, Loose: true}, {Key: "b", Func: "g@2"}}, Wants: []string{"a"}},
		&Release{Keys: []string{"a", "b"}},
		&Cancel{Keys: []string{"a"}},
		&DataPlaced{Workers: []string{"tcp://x:1", "tcp://y:2"}, Keys: []string{"a", "b"}, NBytes: []int64{1, 2}},
		&WorkersQuery{ReqID: 7},
		&WorkersInfo{ReqID: 7, Workers: []WorkerInfo{{Name: "w", Addr: "a", NThreads: 2, MemoryLimit: 3, Resources: res, Build: "b", Processing: 1, InMemory: 2, ManagedBytes: 3, ManagedInMemory: 8, SpilledBytes: 4, SpillErrors: 9, RSS: 5, HeapBytes: 10, Paused: true, Retiring: true, Executing: 6, Ready: 7}}, Queued: 11, NoWorker: 12, MeanDuration: 13},
		&KeyDone{Key: "a", NBytes: 8, Holders: []string{"tcp://x:1"}},
		&KeyDone{Key: "a", NBytes: 8, Holders: []string{"tcp://x:1"}, Value: []byte{1, 2}},
		&KeyErred{Key: "a", Err: *rerr},
		&KeyCancelled{Key: "a", Reason: "r"},
		&Compute{Key: "a", Func: "f@1", Args: []byte{9}, Deps: []DepLoc{{Key: "x", NBytes: 3, Holders: []string{"h"}}}, Priority: 5, Resources: res},
		&Compute{Key: "b", Func: "f@1", Held: true, Ref: 7<<32 | 12},
		&Free{Keys: []string{"a"}},
		&StealRequest{Key: "a"},
		&StealResponse{Key: "a", Stolen: true},
		&StealResponse{Key: "b"},
		&TaskDone{Key: "a", NBytes: 8, Duration: 1000},
		&TaskDone{Key: "a", NBytes: 8, Duration: 1000, Value: []byte("v"), Ref: 1<<40 | 3},
		&TaskErred{Key: "a", Err: *rerr},
		&MissingData{Key: "a", Dep: "x", Holders: []string{"h"}},
		&Heartbeat{Executing: 1, Ready: 2, InMemory: 3, ManagedBytes: 4, SpilledBytes: 5, SpillErrors: 8, RSS: 6, HeapBytes: 7, Paused: true},
		&Replicas{Added: []string{"a"}, NBytes: []int64{8}, Dropped: []string{"b"}},
		&GetData{ReqID: 1, Keys: []string{"a", "b"}},
		&Data{ReqID: 1, Key: "a", Value: []byte("value")},
		&Data{ReqID: 1, Key: "b", Missing: true},
		&PutData{ReqID: 2, Key: "a", Value: bytes.Repeat([]byte{7}, 1000)},
		&Ack{ReqID: 2, NBytes: 1000},
		&Ack{ReqID: 3, Err: rerr},
		&Call{ReqID: 4, Func: "f@1", Args: []byte{1}},
		&CallResult{ReqID: 4, Value: []byte{2}},
		&CallResult{ReqID: 5, Err: rerr},
		&WorkerDied{Name: "w1", Addr: "a", Reason: "killed by signal 9", ExitCode: -1, Signal: "SIGKILL", OOM: true},
		&RetireWorkers{ReqID: 8, Workers: []string{"local-2", "tcp://127.0.0.1:3"}},
		&WorkersRetired{ReqID: 8, Retired: []string{"tcp://127.0.0.1:3"}, Kept: []string{"tcp://x:1"}, Lost: []string{"tcp://y:2"},
			Unknown: []string{"nobody"}, Unmoved: []string{"a", "b"}},
		&WorkersRetired{Retired: []string{"tcp://127.0.0.1:3"}},
		&AcquireKeys{Keys: []DepLoc{{Key: "a", NBytes: 8, Holders: []string{"tcp://x:1", "tcp://y:2"}}, {Key: "b"}}},
		&MissingData{Dep: "a", Holders: []string{"tcp://x:1"}},
		&Goodbye{Reason: "received wire: malformed message: unknown op 200"}, // last: it ends a connection
	}
}

// normalise makes empty slices nil so DeepEqual compares content.
func normalise(m Msg) Msg {
	frame := Marshal(m)
	got, err := Decode(frame[4:])
	if err != nil {
		panic(err)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	seen := map[Op]bool{}
	for _, m := range sampleMessages() {
		seen[m.Op()] = true
		frame := Marshal(m)
		got, err := Decode(frame[4:])
		if err != nil {
			t.Fatalf("Decode(%v) error: %v", m.Op(), err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("Decode(Marshal(%v)) = %+v, want %+v", m.Op(), got, m)
		}
	}
	for op := Op(1); op < 255; op++ {
		if newMsg(op) != nil && !seen[op] {
			t.Errorf("no round-trip sample for %v", op)
		}
	}
}

func TestDecodeRejectsTruncatedAndTrailing(t *testing.T) {
	for _, m := range sampleMessages() {
		if op := m.Op(); op == OpData || op == OpPutData || op == OpCallResult {
			continue // bulk takes the rest of the frame, so any tail is valid
		}
		body := Marshal(m)[4:]
		for i := 1; i < len(body); i++ {
			if _, err := Decode(body[:i]); err == nil {
				t.Errorf("Decode(%v truncated to %d of %d bytes) succeeded", m.Op(), i, len(body))
			} else if !errors.Is(err, ErrMalformed) {
				t.Errorf("Decode(%v truncated) error %v is not ErrMalformed", m.Op(), err)
			}
		}
		if _, err := Decode(append(body[:len(body):len(body)], 0)); err == nil {
			t.Errorf("Decode(%v with a trailing byte) succeeded", m.Op())
		}
	}
	if _, err := Decode([]byte{200}); !errors.Is(err, ErrMalformed) {
		t.Errorf("Decode(unknown op) error = %v, want ErrMalformed", err)
	}
}

func TestConnBatchesAndPreservesOrder(t *testing.T) { sendAndReceive(t, sampleMessages()) }

// sendAndReceive sends msgs over a connection and checks that they arrive,
// in order, as sent.
func sendAndReceive(t *testing.T, msgs []Msg) {
	t.Helper()
	a, b := net.Pipe()
	ca, cb := NewConn(a, Limits{}), NewConn(b, Limits{})
	defer ca.Close()
	defer cb.Close()
	go func() {
		for _, m := range msgs {
			ca.Send(m)
		}
	}()
	for i, want := range msgs {
		got, err := cb.Recv()
		if g, ok := want.(*Goodbye); ok {
			var bye *GoodbyeError
			if !errors.As(err, &bye) || bye.Reason != g.Reason {
				t.Fatalf("Recv %d of a Goodbye = %v, %v; want a GoodbyeError with its reason", i, got, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, normalise(want)) {
			t.Fatalf("Recv %d = %+v, want %+v", i, got, want)
		}
	}
}

// A frame too big, or one that does not decode, fails Recv with
// ErrMalformed, and the sender learns why: its Recv returns a
// GoodbyeError naming the fault, not just a closed connection.
func TestConnRejectsBadFramesSayingWhy(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(ca *Conn, a net.Conn)
		want string
	}{
		{"oversized", func(ca *Conn, a net.Conn) { ca.Send(&PutData{Key: "k", Value: make([]byte, 200)}) }, "exceeds limit 100"},
		{"unknown op", func(ca *Conn, a net.Conn) { a.Write([]byte{1, 0, 0, 0, 200}) }, "unknown op 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			ca, cb := NewConn(a, Limits{}), NewConn(b, Limits{MaxFrame: 100})
			defer ca.Close()
			defer cb.Close()
			got := make(chan error, 1)
			go func() {
				_, err := ca.Recv()
				got <- err
			}()
			go tc.send(ca, a) // a pipe's writes wait for the reader
			if _, err := cb.Recv(); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Recv of the bad frame: err = %v, want ErrMalformed", err)
			}
			var bye *GoodbyeError
			if err := <-got; !errors.As(err, &bye) || !strings.Contains(bye.Reason, tc.want) {
				t.Fatalf("the sender's Recv = %v, want a GoodbyeError saying %q", err, tc.want)
			}
		})
	}
}

func TestSendAfterCloseFails(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := NewConn(a, Limits{})
	c.Close()
	if err := c.Send(&Free{}); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("Send after Close = %v, want ErrConnClosed", err)
	}
}

func TestHandshakeVersionMismatch(t *testing.T) {
	a, b := net.Pipe()
	ca, cb := NewConn(a, Limits{}), NewConn(b, Limits{})
	defer ca.Close()
	defer cb.Close()
	// An old peer: sends a Hello of another version directly.
	ca.Send(&Hello{Proto: Version + 1, Role: RoleWorker})
	type result struct {
		m   Msg
		err error
	}
	answer := make(chan result, 1)
	go func() {
		m, err := ca.Recv()
		answer <- result{m, err}
	}()
	_, err := ReadHello(cb)
	var re *RemoteError
	if !errors.As(err, &re) || re.Kind != KindProtocol {
		t.Fatalf("ReadHello(version %d) = %v, want a protocol RemoteError", Version+1, err)
	}
	r := <-answer
	m, err := r.m, r.err
	if err != nil {
		t.Fatalf("peer Recv: %v", err)
	}
	if w, ok := m.(*Welcome); !ok || w.Err == nil {
		t.Fatalf("peer got %v, want a refusing Welcome", m.Op())
	}
}

func TestHandshakeContextCancel(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	go io.Copy(io.Discard, b) // a peer that never answers
	c := NewConn(a, Limits{})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Handshake(ctx, c, &Hello{Role: RoleClient}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Handshake with cancelled ctx = %v, want context.Canceled", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(Marshal(m)[4:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := Decode(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode error %v is not ErrMalformed", err)
			}
			return
		}
		// What decodes must re-encode and decode to the same message.
		again, err := Decode(Marshal(m)[4:])
		if err != nil {
			t.Fatalf("re-decode of %v: %v", m.Op(), err)
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("re-decode of %v differs", m.Op())
		}
	})
}

func TestOpNames(t *testing.T) {
	for op := Op(1); op < 255; op++ {
		if newMsg(op) == nil {
			if got, want := op.String(), fmt.Sprintf("Op(%d)", op); got != want {
				t.Errorf("Op(%d).String() = %q, want %q", op, got, want)
			}
			continue
		}
		if got := op.String(); strings.HasPrefix(got, "Op(") {
			t.Errorf("Op(%d).String() = %q, want its message's name", op, got)
		}
	}
}

// TestConnComputesOfSeveralFunctions: a connection's reader reuses the
// function name of the last Compute; a Compute of another function, or
// one that follows another message, still decodes its own.
func TestConnComputesOfSeveralFunctions(t *testing.T) {
	sendAndReceive(t, []Msg{
		&Compute{Key: "a", Func: "f@1"}, &Compute{Key: "b", Func: "f@1"}, &Free{Keys: []string{"a"}},
		&Compute{Key: "c", Func: "g@1"}, &Compute{Key: "d", Func: "f@1"}, &Compute{Key: "e", Func: ""},
	})
}

// TestConnHolderNames: a connection's reader reuses the worker addresses it
// decoded last; more addresses than it keeps, and names that differ only
// in their bytes, still decode as sent.
func TestConnHolderNames(t *testing.T) {
	dep := func(holders ...string) []DepLoc { return []DepLoc{{Key: "x", NBytes: 1, Holders: holders}} }
	sendAndReceive(t, []Msg{
		&Compute{Key: "a", Func: "f@1", Deps: dep("tcp://w1:1", "tcp://w2:1")},
		&Compute{Key: "b", Func: "f@1", Deps: dep("tcp://w2:1", "tcp://w3:1", "tcp://w4:1", "tcp://w5:1")},
		&KeyDone{Key: "a", NBytes: 8, Holders: []string{"tcp://w1:1", "tcp://w6:1"}},
		&Compute{Key: "c", Func: "f@1", Deps: dep("tcp://w1:1", "tcp://w7:1", "tcp://w1:2")},
		&MissingData{Key: "c", Dep: "x", Holders: []string{"tcp://w7:1", ""}},
	})
}

// TestFlushWritesWhatSendLaterQueued: Flush delivers messages queued with
// SendLater and never kicked, also while another goroutine waits in Flush.
func TestFlushWritesWhatSendLaterQueued(t *testing.T) {
	a, b := net.Pipe()
	ca, cb := NewConn(a, Limits{}), NewConn(b, Limits{})
	defer ca.Close()
	defer cb.Close()
	got := make(chan Msg, 4)
	go func() {
		for {
			m, err := cb.Recv()
			if err != nil {
				return
			}
			got <- m
		}
	}()
	// One message through first, so that the writer is back waiting.
	ca.Send(&Free{Keys: []string{"warm"}})
	<-got
	ca.SendLater(&Free{Keys: []string{"a"}})
	if err := ca.Flush(); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m.(*Free).Keys[0] != "a" {
		t.Fatalf("got %+v", m)
	}
	// A Flush waiting while another message is queued and kicked.
	ca.SendLater(&Free{Keys: []string{"b"}})
	done := make(chan error)
	go func() { done <- ca.Flush() }()
	ca.SendLater(&Free{Keys: []string{"c"}})
	ca.Kick()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := ca.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"b", "c"} {
		if m := <-got; m.(*Free).Keys[0] != want {
			t.Fatalf("got %+v, want Free %s", m, want)
		}
	}
}
