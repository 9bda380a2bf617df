// Package mxchecktest runs a real DNS server on loopback for tests of the
// MX check and of what uses it.
package mxchecktest

import (
	"net"
	"testing"

	"github.com/miekg/dns"
)

// Serve answers DNS queries with h over UDP and TCP on one loopback port
// until the test ends, and returns that host:port (WORKID_DNS_SERVER).
func Serve(t testing.TB, h dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
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
