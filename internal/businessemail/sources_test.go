package businessemail

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

var updateSources = flag.Bool("update-sources", false, "rewrite the generated table of config/lists/SOURCES.md")

const sourcesFile = "../../config/lists/SOURCES.md"

var generated = regexp.MustCompile(`(?s)<!-- lists:begin -->\n(.*)<!-- lists:end -->`)
var refreshed = regexp.MustCompile(`(?m)^Refreshed: .*\n`)

// The provenance of the installed lists is recorded in SOURCES.md: which
// package, version, licence and how many domains. `make lists-update`
// rewrites the table (with -update-sources) after moving the pins.
func TestSourcesFile(t *testing.T) {
	l := loadTestLists(t)
	var b strings.Builder
	b.WriteString("| list | kind | version | licence | domains | overruled | source |\n|---|---|---|---|---|---|---|\n")
	for _, s := range l.Sources {
		kind := "free-mail and ISP providers"
		if s.Kind == KindDisposable {
			kind = "disposable providers"
		}
		from := "(npm)"
		if s.Package == supplementSource {
			from = "(WorkID)"
		}
		fmt.Fprintf(&b, "| `%s` %s | %s | %s | %s | %d | %d | %s |\n",
			s.Package, from, kind, s.Version, s.License, s.Count, s.Overruled, s.Homepage)
	}
	table := b.String()

	doc, err := os.ReadFile(sourcesFile)
	if err != nil {
		t.Fatal(err)
	}
	m := generated.FindSubmatch(doc)
	if m == nil {
		t.Fatalf("%s has no <!-- lists:begin --> ... <!-- lists:end --> block", sourcesFile)
	}
	current := strings.TrimSpace(refreshed.ReplaceAllString(string(m[1]), ""))
	if current == strings.TrimSpace(table) {
		return
	}
	if !*updateSources {
		t.Fatalf("%s does not describe the installed lists; run `make lists-update` or\n  go test ./internal/businessemail -run TestSourcesFile -update-sources\ngot:\n%s\nwant:\n%s", sourcesFile, current, table)
	}
	block := "<!-- lists:begin -->\nRefreshed: " + time.Now().UTC().Format("2006-01-02") + "\n\n" + table + "\n<!-- lists:end -->"
	out := generated.ReplaceAll(doc, []byte(block))
	if err := os.WriteFile(sourcesFile, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
