// Command workid runs WorkID: the development stack, the hooks and UI
// servers, the re-verification job and the admin commands.
//
// Usage:
//
//	workid dev        start the whole stack on this machine (make run)
//	workid hooks      serve Kratos's web hooks
//	workid ui         serve the self-service pages
//	workid reverify   expire year-old verifications and send new links
//	workid admin      administer identities on the Kratos admin API
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Environ(), os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "workid: %v\n", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
