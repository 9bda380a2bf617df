package businessemail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
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

func (s domainSet) match(domain, registrable string) string {
	if len(s) == 0 {
		return ""
	}
	return matchDomain(domain, registrable, func(d string) bool { _, ok := s[d]; return ok })
}

// operatorLists is one reading of the operator's files.
type operatorLists struct {
	allow, deny domainSet
	// sums are the files' content hashes, to tell a change (also one that
	// keeps the size and modification time) from none.
	sums [2][32]byte
}

// readOperatorLists reads both files. A file that does not exist is an
// empty list when prev is nil (the operator may create it later); once a
// file has been read, its disappearing keeps the previous reading, so a
// file being replaced never empties a deny list. When nothing changed,
// prev itself is returned.
func readOperatorLists(files OperatorFiles, prev *operatorLists) (*operatorLists, error) {
	op := &operatorLists{}
	var problems []error
	for i, path := range []string{files.Allow, files.Deny} {
		set, sum, err := readDomainFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist) && prev != nil && prev.sums[i] != [32]byte{}:
			problems = append(problems, fmt.Errorf("operator list %s disappeared; keeping its previous reading", path))
			set, sum = prev.sets()[i], prev.sums[i]
		case errors.Is(err, fs.ErrNotExist):
			set = domainSet{}
		case err != nil:
			problems = append(problems, err)
			continue
		}
		op.sums[i] = sum
		if i == 0 {
			op.allow = set
		} else {
			op.deny = set
		}
	}
	if err := errors.Join(problems...); err != nil && (op.allow == nil || op.deny == nil) {
		return nil, err
	}
	if prev != nil && prev.sums == op.sums {
		return prev, errors.Join(problems...)
	}
	return op, errors.Join(problems...)
}

func (op *operatorLists) sets() [2]domainSet { return [2]domainSet{op.allow, op.deny} }

// readDomainFile reads one operator file and its content hash. A missing
// file is fs.ErrNotExist.
func readDomainFile(path string) (domainSet, [32]byte, error) {
	if path == "" {
		return domainSet{}, [32]byte{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, [32]byte{}, err
	}
	set, err := readDomainLines(bytes.NewReader(b), path)
	if err != nil {
		return nil, [32]byte{}, err
	}
	return set, sha256.Sum256(b), nil
}

// readDomainLines parses "one domain a line, # comments", reporting every
// bad line with its number. A whole public suffix ("co.uk") is refused: it
// would cover every address under it.
func readDomainLines(r io.Reader, name string) (domainSet, error) {
	set := domainSet{}
	sc := bufio.NewScanner(r)
	var problems []error
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		ascii, _, r := toASCII(strings.TrimSuffix(strings.TrimPrefix(line, "@"), "."))
		switch {
		case r != OK:
			problems = append(problems, fmt.Errorf("%s:%d: %q is not a domain", name, n, line))
		case isICANNSuffix(ascii):
			problems = append(problems, fmt.Errorf("%s:%d: %q is a whole public suffix; list a domain under it", name, n, line))
		default:
			set[ascii] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return set, errors.Join(problems...)
}

// Reload re-reads the operator's files now. It reports whether the lists
// changed; on an error the previous reading stays in force.
func (p *Policy) Reload() (changed bool, err error) {
	prev := p.operator.Load()
	op, err := readOperatorLists(p.files, prev)
	if op == nil {
		return false, err
	}
	if op != prev {
		p.operator.Store(op)
		return true, err
	}
	return false, err
}

// Watch reloads the operator's files every interval until ctx ends,
// logging changes and problems.
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
		changed, err := p.Reload()
		if err != nil {
			log.ErrorContext(ctx, "operator domain lists: keeping the previous reading where a file is broken", "err", err)
		}
		if changed {
			op := p.operator.Load()
			log.InfoContext(ctx, "operator domain lists reloaded", "allow", len(op.allow), "deny", len(op.deny))
		}
	}
}
