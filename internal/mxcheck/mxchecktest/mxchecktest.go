// Package mxchecktest runs a real DNS server on loopback for tests of the
// MX check and of what uses it.
package mxchecktest

import (
	"fmt"
	"net"
	"testing"

	"github.com/miekg/dns"
)

// Serve answers DNS queries with h over UDP and TCP on one loopback port
// until the test ends, and returns that host:port (WORKID_DNS_SERVER).
func Serve(t testing.TB, h dns.Handler) string {
	t.Helper()
	pc, ln, err := listen()
	if err != nil {
		t.Fatal(err)
	}
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return pc.LocalAddr().String()
}

// listen takes one loopback port for both UDP and TCP. The port the system
// picks for UDP may be taken for TCP by another process: then it tries
// another.
func listen() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
	}
	return nil, nil, fmt.Errorf("no loopback port free for both UDP and TCP: %w", lastErr)
}
