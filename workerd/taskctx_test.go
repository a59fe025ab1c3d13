package workerd

import (
	"context"
	"errors"
	"testing"
)

type key struct{}

func TestTaskContext(t *testing.T) {
	parent := context.WithValue(context.Background(), key{}, "v")
	c := &taskContext{Context: parent}
	if c.Value(key{}) != "v" {
		t.Error("taskContext lost its parent's values")
	}
	if c.Err() != nil {
		t.Errorf("Err before cancel = %v", c.Err())
	}
	early := c.Done()
	select {
	case <-early:
		t.Fatal("Done closed before cancel")
	default:
	}
	c.cancel()
	c.cancel() // idempotent
	<-early
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err after cancel = %v, want context.Canceled", c.Err())
	}
	late := &taskContext{Context: parent}
	late.cancel()
	<-late.Done() // made after cancel: already closed
	derived, stop := context.WithCancel(late)
	defer stop()
	<-derived.Done() // contexts derived from it see the cancellation
}
