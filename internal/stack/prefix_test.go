package stack

import (
	"bytes"
	"strings"
	"testing"
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
