// Package httpserver runs WorkID's HTTP servers with the timeouts, health
// endpoints and graceful shutdown every one of them needs, and checks the
// shared key that Kratos and Hydra send when they call WorkID (KeyCheck).
package httpserver
