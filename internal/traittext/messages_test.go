package traittext

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docs/messages.md lists every problem with its message ID, code and
// text, as it does the business-email reasons.
func TestMessagesDocument(t *testing.T) {
	b, err := os.ReadFile("../../docs/messages.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	examples := map[Problem]rune{Control: '\n', Bidi: 0x202e, Invisible: 0x200b, BadUTF8: 0xfffd, Blank: 0xa0}
	for p := OK + 1; p < NumProblems; p++ {
		row := fmt.Sprintf("| %d | `%s` |", p.MessageID(), p.Code())
		if !strings.Contains(doc, row) {
			t.Errorf("docs/messages.md has no row starting %q", row)
		}
		text := p.Message("The first name", examples[p])
		if !strings.Contains(doc, text) {
			t.Errorf("docs/messages.md does not quote the %s message %q", p.Code(), text)
		}
	}
}
