// Package stack builds, configures, starts, watches and stops the real Ory
// servers (Kratos, Hydra) and Mailpit that WorkID runs on: `workid dev` and
// the integration test harness (internal/stacktest) share it.
//
// The servers are built from the Go module proxy into a bin folder, one
// module per server under tools/, and rebuilt only when a pin changes. Each
// running process has its log lines prefixed with its name, is probed until
// ready, and is stopped with its whole process group.
package stack
