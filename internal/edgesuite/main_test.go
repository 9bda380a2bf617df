package edgesuite_test

import (
	"testing"

	"github.com/workid/workid/internal/stacktest"
)

// trustedProxy is the one address whose X-Forwarded-For the edge
// believes in this suite, as an operator would configure a load balancer.
const trustedProxy = "127.0.0.3"

// Browsers go through the edge, which runs with config/Caddyfile's own
// limits (10 sign-ins a minute). Each test comes from loopback addresses
// of its own (127.0.0.1 is the Chromium test's), so no test spends
// another's allowance.
var shared = &stacktest.Shared{Options: stacktest.Options{
	EdgeLimits: true,
	EdgeEnv:    []string{"WORKID_EDGE_TRUSTED_PROXIES=" + trustedProxy + "/32"},
}}

func TestMain(m *testing.M) { shared.Main(m) }
