package businessemail

import "testing"

// One decision for typical addresses: the target is <= 1 µs and <= 2
// allocations (docs/benchmarks.md).
func BenchmarkDecide(b *testing.B) {
	p := newTestPolicy(b, OperatorFiles{})
	for _, in := range []string{
		"ann.lee@acme-widgets.com",
		"ann@mail.acme.co.uk",
		"Ann.Lee@Gmail.com",
		"ann@x.mailinator.com",
		"ann@münchen.de",
		"ann@gamil.com",
		"ann@023gmail.com",
		"ann@acme-widgets.con",
	} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if d := p.Decide(in); d.Reason == Unchecked {
					b.Fatal("unchecked")
				}
			}
		})
	}
}

// Loading every list: the target is <= 100 ms.
func BenchmarkLoadLists(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadLists(listsDir); err != nil {
			b.Fatal(err)
		}
	}
}

// A hostile internationalised domain: four labels of runic and Cyrillic.
func BenchmarkDecideHostileIDN(b *testing.B) {
	p := newTestPolicy(b, OperatorFiles{})
	in := "ann@ᚠᚢᚦᚨᚱᚲᚷᚹᚺᚾᛁᛃ.ᛇᛈᛉᛊᛏᛒᛖᛗᛚᛜᛞᛟ.пример-домен.ᚠᚢᚦᚨᚱᚲ.com"
	b.ReportAllocs()
	for b.Loop() {
		p.Decide(in)
	}
}
