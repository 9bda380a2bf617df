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
	if len(os.Args) > 1 && os.Args[1] == "dev" {
		if err := stopWithParent(); err != nil {
			fmt.Fprintf(os.Stderr, "workid: %v\n", err)
			os.Exit(1)
		}
	}
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

// stopWithParent asks the kernel for a SIGTERM when the parent (make)
// dies, so `workid dev` stops its stack instead of leaving it behind.
func stopWithParent() error {
	parent := os.Getppid()
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0); errno != 0 {
		return fmt.Errorf("ask to be stopped with the parent process: %w", errno)
	}
	// The parent may have died before the request took effect.
	if os.Getppid() != parent {
		return errors.New("the parent process has already exited")
	}
	return nil
}
