package businessemail

import "testing"

func TestSuggestSuffix(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct{ in, want string }{
		{"ann@acme-widgets.con", "acme-widgets.com"},
		{"ann@acme-widgets.cmo", "acme-widgets.com"},
		{"ann@acme-widgets.ocm", "acme-widgets.com"},
		{"ann@acme-widgets.comm", "acme-widgets.com"},
		{"ann@acme-widgets.coom", "acme-widgets.com"},
		{"ann@acme-widgets.cpm", "acme-widgets.com"},
		{"ann@acme-widgets.vom", "acme-widgets.com"},
		{"ann@acme-widgets.xom", "acme-widgets.com"},
		{"ann@ACME-Widgets.CON.", "acme-widgets.com"},
		{"ann@mail.acme-widgets.con", "mail.acme-widgets.com"},
		{"ann@northwind.nte", "northwind.net"},
		{"ann@northwind.ogr", "northwind.org"},
		{"ann@northwind.orgg", "northwind.org"},
		{"ann@acme.co.ukk", "acme.co.uk"},
		{"ann@acme.co.u", "acme.co.uk"},
		{"ann@acme.couk", "acme.co.uk"},
		{"ann@acme.com.auu", "acme.com.au"},
		{"ann@siemens.dee", "siemens.de"},
		{"ann@gmail.con", "gmail.com"},

		// No suggestion: nothing near, or two endings equally near.
		{"ann@acme.notatld", ""},
		{"ann@acme.corp", ""},
		{"ann@acme.lan", ""},
		{"ann@acme.dr", ""}, // .de or .fr?
		{"ann@acme", ""},
		{"ann@localhost", ""},
		{"ann@co.ukk", ""}, // .co.uk alone is no domain
	}
	for _, tt := range tests {
		d := p.Decide(tt.in)
		if d.Reason != UnknownSuffix || d.Suggestion != tt.want {
			t.Errorf("Decide(%q) = %s, suggestion %q, want unknown_suffix, %q", tt.in, d.Reason.Code(), d.Suggestion, tt.want)
		}
	}

	// Real endings never get one, even one edit from a common one: .ne,
	// .cm and .co are countries, .om Oman.
	for _, in := range []string{"ann@acme.ne", "ann@acme.cm", "ann@acme.co", "ann@acme.om", "ann@acme.net", "ann@acme.dk", "ann@acme.com.de"} {
		if d := p.Decide(in); d.Suggestion != "" {
			t.Errorf("Decide(%q) = %s, suggestion %q, want none", in, d.Reason.Code(), d.Suggestion)
		}
	}
}

func TestSuggestionMessage(t *testing.T) {
	p := newTestPolicy(t, OperatorFiles{})
	tests := []struct{ in, want string }{
		{"ann@acme-widgets.con", "acme-widgets.con is not a domain. Did you mean acme-widgets.com?"},
		{"ann@acme.notatld", "“acme.notatld” does not end in a real domain ending such as .com or .de. Please check the address for typos."},
	}
	for _, tt := range tests {
		if got := p.Decide(tt.in).Message(); got != tt.want {
			t.Errorf("Decide(%q).Message() = %q, want %q", tt.in, got, tt.want)
		}
	}
}
