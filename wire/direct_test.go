package wire

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/gask-dev/gask/transport"
)

// inprocPair dials an inproc listener and returns both ends as Conns.
func inprocPair(t *testing.T) (client, server *Conn) {
	t.Helper()
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://s", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan *Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- NewConn(nc, Limits{})
	}()
	nc, err := transport.Dial(context.Background(), "inproc://s", cfg)
	if err != nil {
		t.Fatal(err)
	}
	client = NewConn(nc, Limits{})
	server = <-accepted
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// handshake runs both sides of a handshake with the given role.
func handshake(t *testing.T, client, server *Conn, role Role) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Handshake(context.Background(), client, &Hello{Role: role, Name: "c"})
		done <- err
	}()
	if _, err := ReadHello(server); err != nil {
		t.Fatal(err)
	}
	if err := server.Send(&Welcome{ID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A client's inproc connection to its scheduler passes messages as they
// are, both ways, in order, after the handshake; a message with a bulk
// payload goes as a copy; closing ends the peer's Recv with io.EOF.
func TestDirectClientConnection(t *testing.T) {
	client, server := inprocPair(t)
	handshake(t, client, server, RoleClient)
	ug := &UpdateGraph{Tasks: []TaskSpec{{Key: "k", Func: "f@s", Args: []byte{1, 2}}}, Wants: []string{"k"}}
	rel := &Release{Keys: []string{"k"}}
	client.Send(ug)
	client.SendLater(rel)
	client.Kick()
	for _, want := range []Msg{ug, rel} {
		got, err := server.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("server got %v (%p), want the %v sent (%p): not passed as it is", got.Op(), got, want.Op(), want)
		}
	}
	kd := &KeyDone{Key: "k", NBytes: 8, Holders: []string{"w1"}, Value: []byte{7}}
	data := &CallResult{ReqID: 1, Value: []byte("payload")}
	server.SendLater(kd)
	server.SendLater(data)
	if err := server.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, err := client.Recv(); err != nil || got != kd {
		t.Fatalf("client got %v, %v; want the KeyDone sent", got, err)
	}
	got, err := client.Recv()
	if err != nil {
		t.Fatal(err)
	}
	cr, ok := got.(*CallResult)
	if !ok || cr == data || string(cr.Value) != "payload" || &cr.Value[0] == &data.Value[0] {
		t.Fatalf("client got %#v; want a copy of the CallResult and its payload", got)
	}
	client.Close()
	if m, err := server.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("server Recv after the client closed = %v, %v; want io.EOF", m, err)
	}
	if err := server.Send(&KeyDone{Key: "x"}); err == nil {
		t.Error("Send to a closed peer succeeded")
	}
}

// Workers' connections stay encoded: a received message is the receiver's
// own, never the sender's memory.
func TestWorkerConnectionStaysEncoded(t *testing.T) {
	client, server := inprocPair(t)
	handshake(t, client, server, RoleWorker)
	td := &TaskDone{Key: "k", NBytes: 8, Value: []byte{1}}
	client.Send(td)
	got, err := server.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if got == Msg(td) {
		t.Fatal("a worker's TaskDone was passed as it is")
	}
}
