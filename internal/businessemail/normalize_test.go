package businessemail

import (
	"strings"
	"testing"
)

// A combining mark accents the letter or digit before it; the part
// before the @ is measured in its composed form.
func TestLocalPartMarks(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct {
		in    string
		want  Reason
		local string
	}{
		{"\u0300@iana.org", BadLocal, ""},
		{"\u0301ann@acme-widgets.com", BadLocal, ""},
		{"ann.\u0301x@acme-widgets.com", BadLocal, ""},
		{"ann+\u0301@acme-widgets.com", BadLocal, ""},
		{"\u0300\u0300@acme-widgets.com", BadLocal, ""},
		{"jose\u0301@acme-widgets.com", OK, "josé"},
		{"josé@acme-widgets.com", OK, "josé"},
		{"a\u0301\u0302@acme-widgets.com", OK, "\u00e1\u0302"},
		{"1\u20e3@acme-widgets.com", OK, "1\u20e3"},
		{"क्षि@acme-widgets.com", OK, "क्षि"},
		// 64 é typed decomposed are 192 bytes, composed 128: too long
		// either way; 32 are 64 bytes composed, within the limit though
		// 96 as typed.
		{strings.Repeat("e\u0301", 32) + "@acme-widgets.com", OK, strings.Repeat("é", 32)},
		{strings.Repeat("e\u0301", 33) + "@acme-widgets.com", TooLong, ""},
	}
	for _, tt := range tests {
		d := p.Decide(tt.in)
		if d.Reason != tt.want || d.Address.Local != tt.local {
			t.Errorf("Decide(%q) = %s, local %q, want %s, %q", tt.in, d.Reason.Code(), d.Address.Local, tt.want.Code(), tt.local)
		}
	}
	if !SameAddress("jose\u0301@acme-widgets.com", "josé@Acme-Widgets.com") {
		t.Error("SameAddress(decomposed josé, composed josé) = false, want true")
	}
}
