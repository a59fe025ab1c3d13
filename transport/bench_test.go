package transport

import (
	"io"
	"testing"
)

func BenchmarkThroughput(b *testing.B) {
	const chunk = 64 << 10
	for _, s := range schemes(b) {
		b.Run(s.name, func(b *testing.B) {
			client, server, _ := s.pair(b)
			done := make(chan error, 1)
			go func() {
				buf := make([]byte, chunk)
				for {
					if _, err := server.Read(buf); err != nil {
						if err == io.EOF {
							err = nil
						}
						done <- err
						return
					}
				}
			}()
			msg := make([]byte, chunk)
			b.SetBytes(chunk)
			for b.Loop() {
				if _, err := client.Write(msg); err != nil {
					b.Fatalf("Write() error: %v", err)
				}
			}
			client.Close()
			if err := <-done; err != nil {
				b.Fatalf("Read() error: %v", err)
			}
		})
	}
}
