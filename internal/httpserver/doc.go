// Package httpserver runs WorkID's HTTP servers with the timeouts, health
// endpoints and graceful shutdown every one of them needs.
package httpserver
