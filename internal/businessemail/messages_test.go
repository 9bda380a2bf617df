package businessemail

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// docs/messages.md lists every reason with its message ID, code and text,
// so UI authors and support staff can rely on them.
func TestMessagesDocument(t *testing.T) {
	b, err := os.ReadFile("../../docs/messages.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for r := range Reason(NumReasons) {
		if r.Allowed() {
			continue
		}
		row := fmt.Sprintf("| %d | `%s` |", r.MessageID(), r.Code())
		if !strings.Contains(doc, row) {
			t.Errorf("docs/messages.md has no row starting %q", row)
		}
		text := r.Message("acme.com", "gmail.com")
		if !strings.Contains(doc, text) {
			t.Errorf("docs/messages.md does not quote the %s message %q", r.Code(), text)
		}
	}
	if text := SuggestionMessage("acme.con", "acme.com"); !strings.Contains(doc, text) {
		t.Errorf("docs/messages.md does not quote the suggestion message %q", text)
	}
}
