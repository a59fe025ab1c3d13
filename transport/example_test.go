package transport_test

import (
	"context"
	"fmt"
	"io"

	"github.com/gask-dev/gask/transport"
)

// A local cluster's processes share one Inproc; connections behave as TCP
// ones do.
func Example() {
	cfg := transport.Config{Inproc: transport.NewInproc()}
	ln, err := transport.Listen("inproc://scheduler", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()

	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		_, err = io.Copy(c, c) // echo until the client closes
		served <- err
	}()

	c, err := transport.Dial(context.Background(), transport.Address(ln), cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Write([]byte("hello"))
	c.(interface{ CloseWrite() error }).CloseWrite()
	reply, err := io.ReadAll(c)
	c.Close()
	fmt.Printf("%s %q %v %v\n", transport.Address(ln), reply, err, <-served)

	_, err = transport.Dial(context.Background(), "inproc://nobody", cfg)
	fmt.Println(err)
	// Output:
	// inproc://scheduler "hello" <nil> <nil>
	// dial inproc nobody: connect: connection refused
}
