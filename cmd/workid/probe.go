package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// runProbe is a container health check for images without curl or wget:
// it exits 0 when GET url answers 200 within five seconds.
func runProbe(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return usageError{"usage: workid probe URL"}
	}
	u, err := url.Parse(args[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("probe: %q is not an http(s) URL", args[0])}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", u, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: status %d", u, resp.StatusCode)
	}
	return nil
}
