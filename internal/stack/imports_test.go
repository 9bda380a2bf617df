package stack

import (
	"os/exec"
	"strings"
	"testing"
)

// Imports run one way: cmd/workid wires the servers (hooks, selfservice-ui)
// from the libraries under internal/ and config; the servers use the
// libraries; no library, and no test of one, imports a server or a command,
// and neither server imports the other. README.md ("Layout") says the same.
func TestImportDirection(t *testing.T) {
	root, err := FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "go", "list", "-f",
		`{{.ImportPath}} {{join .Imports ","}},{{join .TestImports ","}},{{join .XTestImports ","}}`, "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/workid/workid/"
	// forbidden says which of the module's folders pkg must not import.
	forbidden := func(pkg string) []string {
		switch {
		case strings.HasPrefix(pkg, "internal/") || pkg == "config":
			return []string{"hooks", "selfservice-ui", "cmd/"}
		case pkg == "hooks":
			return []string{"selfservice-ui", "cmd/"}
		case pkg == "selfservice-ui":
			return []string{"hooks", "cmd/"}
		}
		return nil
	}
	checked := 0
	for line := range strings.Lines(strings.TrimSpace(string(out))) {
		path, imports, _ := strings.Cut(strings.TrimSpace(line), " ")
		pkg := strings.TrimPrefix(path, module)
		checked++
		for imp := range strings.SplitSeq(imports, ",") {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			for _, f := range forbidden(pkg) {
				if dep == strings.TrimSuffix(f, "/") || strings.HasPrefix(dep, f) {
					t.Errorf("%s imports %s: imports run from cmd/ to the servers to internal/, never back", pkg, dep)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list named %d packages: %s", checked, out)
	}
}
