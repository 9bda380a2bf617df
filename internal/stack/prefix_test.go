package stack

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOutputPrefixesWholeLines(t *testing.T) {
	var buf bytes.Buffer
	o := NewOutput(&buf, "kratos", "ui")
	k, u := o.Writer("kratos"), o.Writer("ui")
	_, _ = k.Write([]byte("first li"))
	_, _ = u.Write([]byte("ui line\nui partial"))
	_, _ = k.Write([]byte("ne\nsecond\n"))
	u.Flush()
	k.Flush() // nothing pending: writes nothing

	want := "ui     | ui line\nkratos | first line\nkratos | second\nui     | ui partial\n"
	if got := buf.String(); got != want {
		t.Errorf("output =\n%s\nwant\n%s", got, want)
	}
}

func TestOutputBoundsAnEndlessLine(t *testing.T) {
	var buf bytes.Buffer
	w := NewOutput(&buf, "x").Writer("x")
	_, _ = w.Write(bytes.Repeat([]byte("a"), maxLine+1))
	if got := strings.Count(buf.String(), "x | "); got != 1 {
		t.Errorf("a line of %d bytes without newline was written %d times, want 1 (flushed at the bound)", maxLine+1, got)
	}
	if len(w.buf) != 0 {
		t.Errorf("%d bytes still buffered after the bound, want 0", len(w.buf))
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb\nc", 5, "a\nb\nc"},
		{"", 3, ""},
		{"only\n", 1, "only"},
	}
	for _, tt := range tests {
		if got := string(tail([]byte(tt.in), tt.n)); got != tt.want {
			t.Errorf("tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// lockedBuffer is a bytes.Buffer a summary's timer may write to while the
// test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// An Ory server's two lines per request become one count per period; an
// answer with a 5xx status and every other line are relayed whole.
func TestAccessLogSummary(t *testing.T) {
	const (
		started = "time=2026-12-02T00:19:34Z level=info msg=started handling request http_request=map[method:GET path:/sessions/whoami]\n"
		done    = "time=2026-12-02T00:19:34Z level=info msg=completed handling request http_request=map[method:GET path:/sessions/whoami] http_response=map[size:16 status:%d text_status:OK took:1.3ms]\n"
	)
	var buf lockedBuffer
	o := NewOutput(&buf, "kratos")
	o.SummariseAccessLogs(50 * time.Millisecond)
	w := o.AccessLogWriter("kratos")
	for _, status := range []int{200, 200, 401, 303} {
		fmt.Fprint(w, started)
		fmt.Fprintf(w, done, status)
	}
	fmt.Fprint(w, started)
	fmt.Fprintf(w, done, 502)
	fmt.Fprint(w, "time=2026-12-02T00:19:35Z level=warning msg=a hook failed\n")

	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(buf.String(), "requests answered") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := buf.String()
	for _, want := range []string{
		"kratos | 4 requests answered in the last 50ms (1 with a 4xx status;",
		"status:502",
		"msg=a hook failed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "handling request"); n != 1 {
		t.Errorf("%d request-log lines relayed, want only the 502's:\n%s", n, got)
	}

	// A process that ends has its count written at once, not a period
	// later.
	var ended lockedBuffer
	eo := NewOutput(&ended, "hydra")
	eo.SummariseAccessLogs(time.Hour)
	hw := eo.AccessLogWriter("hydra")
	fmt.Fprintf(hw, done, 200)
	hw.Flush()
	if got := ended.String(); !strings.Contains(got, "hydra | 1 request answered in the last 1h0m0s") {
		t.Errorf("after Flush: %q, want the pending count", got)
	}

	// Without SummariseAccessLogs, every line is relayed.
	var all bytes.Buffer
	plain := NewOutput(&all, "kratos").AccessLogWriter("kratos")
	fmt.Fprint(plain, started)
	fmt.Fprintf(plain, done, 200)
	if n := strings.Count(all.String(), "handling request"); n != 2 {
		t.Errorf("%d lines relayed without a summary, want 2", n)
	}
}
