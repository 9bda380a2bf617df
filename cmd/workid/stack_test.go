package main

import (
	"testing"

	"github.com/workid/workid/internal/stacktest"
)

// shared is the stack the admin and reverify command tests run against,
// started by the first of them: the package's other tests never wait for
// it. Each test makes its own identities and looks only at them.
var shared = &stacktest.Shared{}

func TestMain(m *testing.M) { shared.Main(m) }
