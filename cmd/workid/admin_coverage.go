package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/workid/workid/internal/businessemail"
)

// coverage is how much of one list of domains the rule refuses.
type coverage struct {
	File     string         `json:"file"`
	Domains  int            `json:"domains"`
	Refused  int            `json:"refused"`
	Percent  float64        `json:"refused_percent"`
	ByReason map[string]int `json:"by_reason"`
	// Allowed are the first domains the rule allows, to look at.
	Allowed []string `json:"allowed_sample,omitempty"`
}

// runEmailCoverage measures the rule against lists of domains (one a
// line, # for comments), such as another project's disposable list: the
// share of each that an address at the domain would be refused, by reason.
// The MX check is not made: it measures the lists and the rule alone.
func runEmailCoverage(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin email coverage", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	sample := fs.Int("sample", 10, "how many allowed domains of each file to show")
	const usage = "usage: workid admin email coverage [--json] [--sample N] FILE..."
	if err := parseFlagsAndArgs(fs, args, usage, stderr); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, usage)
		return usageError{"admin email coverage: no file given"}
	}
	policy, _, err := emailPolicy(ctx, environ)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "file\tdomains\trefused\t%\tby reason")
	}
	for _, path := range fs.Args() {
		c, err := measure(path, policy.Decide, *sample)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(c); err != nil {
				return err
			}
			continue
		}
		var reasons []string
		for _, r := range slices.Sorted(maps.Keys(c.ByReason)) {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, c.ByReason[r]))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\n", c.File, c.Domains, c.Refused, c.Percent, strings.Join(reasons, ", "))
		if len(c.Allowed) > 0 {
			fmt.Fprintf(tw, "\t\t\t\tallowed, e.g. %s\n", strings.Join(c.Allowed, " "))
		}
	}
	return tw.Flush()
}

// measure decides an address at every domain of the file at path.
func measure(path string, decide func(string) businessemail.Decision, sample int) (coverage, error) {
	f, err := os.Open(path)
	if err != nil {
		return coverage{}, fmt.Errorf("admin email coverage: %w", err)
	}
	defer f.Close()
	c := coverage{File: path, ByReason: map[string]int{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		d := strings.TrimSpace(sc.Text())
		if d == "" || strings.HasPrefix(d, "#") {
			continue
		}
		c.Domains++
		dec := decide("x@" + d)
		if dec.Allowed() {
			if len(c.Allowed) < sample {
				c.Allowed = append(c.Allowed, d)
			}
			continue
		}
		c.Refused++
		c.ByReason[dec.Reason.Code()]++
	}
	if err := sc.Err(); err != nil {
		return coverage{}, fmt.Errorf("admin email coverage: %s: %w", path, err)
	}
	if c.Domains > 0 {
		c.Percent = 100 * float64(c.Refused) / float64(c.Domains)
	}
	return c, nil
}
