package selfserviceui

import (
	"testing"

	"github.com/workid/workid/internal/locale"
)

// Every notice a redirect can carry has its text in every language.
func TestEveryNoticeHasItsText(t *testing.T) {
	s, err := NewServer(testConfig(deadURL(t)), nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for code, n := range notices {
		for _, l := range locale.Langs {
			if got := s.texts.Texts(l.Code).T(n.textID); got == "" || got == n.textID {
				t.Errorf("notice %q in %s: %q, want its text", code, l.Code, got)
			}
		}
	}
}
