package stack

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// module is the path in the repository root's go.mod.
const module = "github.com/workid/workid"

// FindRoot returns the WorkID repository root: the nearest folder at or
// above the working directory whose go.mod declares WorkID's module.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modfile.ModulePath(b) == module {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the WorkID repository: run workid dev from its folder (it reads kratos.yml, config/ and tools/ there)")
		}
		dir = parent
	}
}
