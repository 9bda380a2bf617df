package pgsuite_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/workid/workid/internal/stacktest"
)

// The UI keeps no state: a registration page served by replica A is
// submitted, and replica B shows the same user's dashboard; the
// verification-mail limit, kept on the identity, holds across replicas.
func TestUIReplicasServeTheSameUsers(t *testing.T) {
	st := shared.Get(t)
	if len(st.UIReplicas) != 2 {
		t.Fatalf("%d UI replicas, want 2", len(st.UIReplicas))
	}
	a, b := st.UIReplicas[0], st.UIReplicas[1]
	u := stacktest.NewUser("tailspin-aviation.com")
	br := stacktest.NewPageBrowser(t)

	// Kratos creates the flow and sends the browser to the UI's one URL;
	// the form is then read from replica A itself.
	start, _, _ := br.Get(st.UIURL + "/registration")
	flowID := start.Query().Get("flow")
	if flowID == "" {
		t.Fatalf("registration start ended at %s, want a flow", start)
	}
	fromA := served(t, st.UIReplicas[:1])
	_, status, page := br.Get(a.URL + "/registration?flow=" + flowID)
	if toA := servedSince(t, st.UIReplicas[:1], fromA, 1); status != http.StatusOK || toA[0] == fromA[0] {
		t.Fatalf("replica A's registration page: status %d, served %d -> %d", status, fromA[0], toA[0])
	}
	if final, status, _ := br.SubmitRegistration(page, u); final.Path != "/" || status != http.StatusOK {
		t.Fatalf("registration ended at %s (%d), want the dashboard", final, status)
	}
	fromB := served(t, st.UIReplicas[1:])
	final, status, dash := br.Get(b.URL + "/")
	if final.String() != b.URL+"/" || status != http.StatusOK || !strings.Contains(dash, "Hello, "+u.First) {
		t.Fatalf("replica B's dashboard: %s (%d), want the same user's dashboard", final, status)
	}
	if toB := servedSince(t, st.UIReplicas[1:], fromB, 1); toB[0] == fromB[0] {
		t.Error("replica B did not serve the dashboard")
	}

	// "Send me a verification link" on A, then again on B within the minute.
	if _, status, page := br.Post(a.URL+"/verification/send", nil, nil); status != http.StatusOK || !strings.Contains(page, "We sent a verification link") {
		t.Fatalf("send on replica A: %d, want the sent note", status)
	}
	if _, status, page := br.Post(b.URL+"/verification/send", nil, nil); status != http.StatusOK || !strings.Contains(page, "Please wait a minute") {
		t.Errorf("send on replica B right after A: %d, want the limit note", status)
	}
	assertOneLinkSent(t, u)
}

// assertOneLinkSent checks that u got exactly one verification link of
// WorkID's beside Kratos's at registration, and that WorkID's database
// counts one request.
func assertOneLinkSent(t *testing.T, u stacktest.User) {
	t.Helper()
	st := shared.Get(t)
	// Every mail a request asked for is queued when it returns.
	if n, err := st.Queued(t.Context(), u.Email); err != nil || n != 2 {
		t.Errorf("mails queued for %s = %d (%v), want 2 (Kratos's on registration and one of ours)", u.Email, n, err)
	}
	waitForMail(t, u.Email, 2)
	var id string
	query(t, "kratos", "SELECT id::text FROM identities WHERE traits->>'email' = $1", []any{u.Email}, &id)
	if sends := count(t, "workid", "SELECT count(*) FROM link_requests WHERE identity_id = $1", id); sends != 1 {
		t.Errorf("workid database: %d recorded requests for the identity, want 1", sends)
	}
}

// "Send me a verification link" pressed several times at once, the
// requests spread over both replicas: one mail goes out, whichever replica
// wins, and the others are limited.
func TestSendLinkRaceAcrossReplicas(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("tailspin-aviation.com")
	br := stacktest.NewPageBrowser(t)
	if final, status, _ := br.Register(st.UIURL, u); final.Path != "/" || status != http.StatusOK {
		t.Fatalf("registration ended at %s (%d), want the dashboard", final, status)
	}
	const sent, limited = `workid_ui_verification_link_requests_total{outcome="sent"}`, `workid_ui_verification_link_requests_total{outcome="limited"}`
	count := func(key string) (n float64) {
		for _, r := range st.UIReplicas {
			n += r.Metrics(t)[key]
		}
		return n
	}
	sentBefore, limitedBefore := count(sent), count(limited)

	const clicks = 6
	var wg sync.WaitGroup
	errs := make(chan error, clicks)
	for i := range clicks {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, st.UIReplicas[i%2].URL+"/verification/send", nil)
			resp, err := br.Client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("send: status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := count(sent) - sentBefore; got != 1 {
		t.Errorf("%d of %d simultaneous requests sent a link, want 1", int(got), clicks)
	}
	if got := count(limited) - limitedBefore; got != clicks-1 {
		t.Errorf("%d of %d simultaneous requests were limited, want %d", int(got), clicks, clicks-1)
	}
	assertOneLinkSent(t, u)
}

// Each proxy takes turns: requests to the UI's URL reach both replicas.
func TestUIProxyAlternates(t *testing.T) {
	st := shared.Get(t)
	before := served(t, st.UIReplicas)
	for range 4 {
		resp, err := st.HTTP.Get(st.UIURL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	after := servedSince(t, st.UIReplicas, before, 4)
	for i := range after {
		if after[i]-before[i] != 2 {
			t.Errorf("UI replica %d served %d of 4 requests, want 2 (served %v -> %v)", i+1, after[i]-before[i], before, after)
		}
	}
}
