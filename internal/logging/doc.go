// Package logging builds the slog loggers of WorkID's processes and carries a
// request ID from an HTTP request into every log line written for it.
package logging
