package stack

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// Output serialises the log lines of several processes onto one writer,
// each line prefixed with the name of the process that wrote it.
type Output struct {
	mu  sync.Mutex
	w   io.Writer
	pad int
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
		w.out.writeLine(w.prefix, w.buf[start:start+i+1])
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

// Flush writes a pending partial line.
func (w *LineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.out.writeLine(w.prefix, w.buf)
		w.buf = nil
	}
}
