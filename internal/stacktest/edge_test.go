package stacktest

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// Every limit config/Caddyfile reads is lifted for the test stacks that
// do not ask for the file's limits.
func TestEveryEdgeLimitIsLifted(t *testing.T) {
	b, err := os.ReadFile("../../config/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	limits := regexp.MustCompile(`\{\$(WORKID_EDGE_[A-Z_]+?_PER_MINUTE):`).FindAllStringSubmatch(string(b), -1)
	if len(limits) < 8 {
		t.Fatalf("config/Caddyfile reads %d limits, want one per zone (at least 8)", len(limits))
	}
	for _, m := range limits {
		if !slices.Contains(liftedEdgeLimits, m[1]+"=1000000") {
			t.Errorf("config/Caddyfile reads %s, which the test stacks do not lift", m[1])
		}
	}
}
