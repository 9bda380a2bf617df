package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Seed creates n identities through Kratos's admin batch API, 1,000 a
// request (its limit), as an operator importing accounts would: the i-th
// with the address scale-TAG-i@domain(i), verified verifiedDaysAgo(i) days
// ago (a negative count: never verified). TAG keeps two seedings of one
// stack apart.
func (s *Stack) Seed(ctx context.Context, n int, domain func(i int) string, verifiedDaysAgo func(i int) int) error {
	client := &http.Client{Timeout: 2 * time.Minute}
	now := time.Now()
	tag := now.UnixNano() % 1e6
	for start := 0; start < n; start += 1000 {
		var batch []map[string]any
		for i := start; i < min(n, start+1000); i++ {
			email := fmt.Sprintf("scale-%d-%d@%s", tag, i, domain(i))
			addr := map[string]any{"value": email, "verified": false, "via": "email", "status": "pending"}
			if d := verifiedDaysAgo(i); d >= 0 {
				addr["verified"], addr["status"], addr["verified_at"] = true, "completed", now.AddDate(0, 0, -d).UTC().Format(time.RFC3339)
			}
			batch = append(batch, map[string]any{"create": map[string]any{
				"schema_id":            "default",
				"traits":               map[string]any{"email": email, "username": fmt.Sprintf("scale_%d_%d", tag, i), "name": map[string]any{"first": "S", "last": "U"}},
				"verifiable_addresses": []map[string]any{addr},
			}})
		}
		body, err := json.Marshal(map[string]any{"identities": batch})
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, s.KratosAdminURL+"/admin/identities", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("batch create: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("batch create: %s", resp.Status)
		}
	}
	return nil
}
