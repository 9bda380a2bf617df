package stack

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Output serialises the log lines of several processes onto one writer,
// each line prefixed with the name of the process that wrote it.
type Output struct {
	mu  sync.Mutex
	w   io.Writer
	pad int
	// summarise, when set, is how often an Ory server's request log is
	// summarised (SummariseAccessLogs).
	summarise time.Duration
}

// SummariseAccessLogs makes the writers of AccessLogWriter replace Kratos's
// and Hydra's two lines per request with one line per period: "312
// requests answered in the last 1m0s (4 with a 4xx status)". A request
// answered 5xx is still shown whole. Under load the full log is gigabytes,
// and relaying it costs a core's tenth; `workid dev` summarises unless
// WORKID_DEV_ACCESS_LOG=all.
func (o *Output) SummariseAccessLogs(every time.Duration) { o.summarise = every }

// AccessLogWriter is Writer for an Ory server, whose request log is
// summarised when SummariseAccessLogs says so.
func (o *Output) AccessLogWriter(name string) *LineWriter {
	w := o.Writer(name)
	if o.summarise > 0 {
		w.access = &accessSummary{every: o.summarise}
	}
	return w
}

// NewOutput returns an Output writing to w. Prefixes are padded to the
// longest name in names so the columns line up.
func NewOutput(w io.Writer, names ...string) *Output {
	o := &Output{w: w}
	for _, n := range names {
		o.pad = max(o.pad, len(n))
	}
	return o
}

// Writer returns a writer whose complete lines appear on the output as
// "name | line". A partial last line is held until its newline or Flush.
func (o *Output) Writer(name string) *LineWriter {
	return &LineWriter{out: o, prefix: fmt.Sprintf("%-*s | ", o.pad, name)}
}

func (o *Output) writeLine(prefix string, line []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, _ = io.WriteString(o.w, prefix)
	_, _ = o.w.Write(line)
	if len(line) == 0 || line[len(line)-1] != '\n' {
		_, _ = o.w.Write([]byte{'\n'})
	}
}

// LineWriter is one process's view of an Output.
type LineWriter struct {
	out    *Output
	prefix string
	mu     sync.Mutex
	buf    []byte
	access *accessSummary // nil: every line is relayed
}

// maxLine bounds the buffered partial line, so a process that never writes
// a newline cannot grow memory without limit.
const maxLine = 64 << 10

// Write implements io.Writer.
func (w *LineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	start := 0
	for {
		i := bytes.IndexByte(w.buf[start:], '\n')
		if i < 0 {
			break
		}
		if line := w.buf[start : start+i+1]; !w.access.absorb(w, line) {
			w.out.writeLine(w.prefix, line)
		}
		start += i + 1
	}
	if len(w.buf)-start > maxLine {
		w.out.writeLine(w.prefix, w.buf[start:])
		start = len(w.buf)
	}
	// Move the partial line to the front so the buffer is reused, not regrown.
	w.buf = w.buf[:copy(w.buf, w.buf[start:])]
	return len(p), nil
}

// Flush writes a pending partial line and, for a summarised access log,
// the count so far (the supervisor flushes a process's writer when it
// ends, so no count is lost and no timer outlives it).
func (w *LineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.out.writeLine(w.prefix, w.buf)
		w.buf = nil
	}
	w.access.flush(w)
}

// accessSummary counts an Ory server's answered requests between two
// summary lines.
type accessSummary struct {
	every time.Duration

	mu              sync.Mutex
	answered, in4xx int
	timer           *time.Timer // the pending report; nil when nothing is counted
}

var (
	startedRequest   = []byte("msg=started handling request ")
	completedRequest = []byte("msg=completed handling request ")
	statusField      = []byte(" status:")
)

// absorb reports whether line is a request-log line the summary stands
// for. The first one after a summary schedules the next.
func (a *accessSummary) absorb(w *LineWriter, line []byte) bool {
	if a == nil {
		return false
	}
	if bytes.Contains(line, startedRequest) {
		return true
	}
	if !bytes.Contains(line, completedRequest) {
		return false
	}
	status := 0
	if i := bytes.LastIndex(line, statusField); i >= 0 {
		rest := line[i+len(statusField):]
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		status, _ = strconv.Atoi(string(rest[:n]))
	}
	if status >= 500 || status == 0 {
		return false // a server error, or a line not understood: shown whole
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.timer == nil {
		a.timer = time.AfterFunc(a.every, func() { a.report(w) })
	}
	a.answered++
	if status >= 400 {
		a.in4xx++
	}
	return true
}

// flush stops the pending report and writes it now, if anything is
// counted.
func (a *accessSummary) flush(w *LineWriter) {
	if a == nil {
		return
	}
	a.mu.Lock()
	pending := a.timer != nil && a.timer.Stop()
	a.mu.Unlock()
	if pending {
		a.report(w)
	}
}

// report writes the summary line and starts counting again.
func (a *accessSummary) report(w *LineWriter) {
	a.mu.Lock()
	n, bad := a.answered, a.in4xx
	a.answered, a.in4xx, a.timer = 0, 0, nil
	a.mu.Unlock()
	if n == 0 {
		return
	}
	noun := "requests"
	if n == 1 {
		noun = "request"
	}
	w.out.writeLine(w.prefix, fmt.Appendf(nil, "%d %s answered in the last %s (%d with a 4xx status; WORKID_DEV_ACCESS_LOG=all shows each)\n", n, noun, a.every, bad))
}
