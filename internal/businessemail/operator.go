package businessemail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"
)

// OperatorFiles name the operator's own domain lists: one domain per line,
// "#" starts a comment. A listed domain covers its subdomains. Allow wins
// over deny and over the built-in lists. Either may be "".
type OperatorFiles struct {
	Allow, Deny string
}

// domainSet is a set of ASCII domains.
type domainSet map[string]struct{}

func (s domainSet) match(a Address) string {
	if len(s) == 0 {
		return ""
	}
	return matchDomain(a.Domain, a.Registrable, func(d string) bool { _, ok := s[d]; return ok })
}

// operatorLists is one reading of the operator's files.
type operatorLists struct {
	allow, deny domainSet
	stamps      [2]fileStamp
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	exists  bool
	size    int64
	modTime time.Time
}

func stat(path string) (fileStamp, error) {
	if path == "" {
		return fileStamp{}, nil
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{exists: true, size: fi.Size(), modTime: fi.ModTime()}, nil
}

// readOperatorLists reads both files. A file that does not exist is an
// empty list, so an operator can create it later. If prev is given and
// neither file changed, prev is returned as it is.
func readOperatorLists(files OperatorFiles, prev *operatorLists) (*operatorLists, error) {
	var stamps [2]fileStamp
	var err error
	for i, path := range []string{files.Allow, files.Deny} {
		if stamps[i], err = stat(path); err != nil {
			return nil, fmt.Errorf("read operator list: %w", err)
		}
	}
	if prev != nil && prev.stamps == stamps {
		return prev, nil
	}
	op := &operatorLists{stamps: stamps}
	if op.allow, err = readDomainFile(files.Allow, stamps[0].exists); err != nil {
		return nil, err
	}
	if op.deny, err = readDomainFile(files.Deny, stamps[1].exists); err != nil {
		return nil, err
	}
	return op, nil
}

func readDomainFile(path string, exists bool) (domainSet, error) {
	set := domainSet{}
	if !exists {
		return set, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read operator list: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var problems []error
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		ascii, _, r := toASCII(strings.TrimSuffix(strings.TrimPrefix(line, "@"), "."))
		if r != OK {
			problems = append(problems, fmt.Errorf("%s:%d: %q is not a domain", path, n, line))
			continue
		}
		set[ascii] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read operator list %s: %w", path, err)
	}
	return set, errors.Join(problems...)
}

// Watch re-reads the operator's files every interval until ctx ends. A
// change is logged; a file that cannot be parsed is logged and the
// previous reading kept, so a typo never empties a deny list.
func (p *Policy) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	if p.files.Allow == "" && p.files.Deny == "" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		prev := p.operator.Load()
		op, err := readOperatorLists(p.files, prev)
		if err != nil {
			log.ErrorContext(ctx, "operator domain lists not reloaded; keeping the previous ones", "err", err)
			continue
		}
		if op != prev {
			p.operator.Store(op)
			log.InfoContext(ctx, "operator domain lists reloaded", "allow", len(op.allow), "deny", len(op.deny))
		}
	}
}
