package hooks

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/config"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/kratosapi"
	"github.com/workid/workid/internal/metrics/metricstest"
)

// memberServer is a hooks server feeding a new SQLite database. Kratos's
// admin API is a dead address: only a settings call with an unverified
// address asks it, and goes on without the record.
func memberServer(t *testing.T) (http.Handler, *companies.Store) {
	t.Helper()
	store, err := companies.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "workid.db"), companies.Options{Rule: testPolicy(t), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	feed := &MemberFeed{Store: store, Admin: kratosapi.New("http://127.0.0.1:1"), MaxAge: 365 * 24 * time.Hour}
	return NewServer(testKey, testPolicy(t), nil, nil, feed, quiet), store
}

const annID = "6a0cb0b5-2f37-4b43-9a3e-0d4c1b2e9f10"

// saved is a body as config/hooks/member.jsonnet shapes it.
func saved(email, addresses string) string {
	return `{"identity_id":"` + annID + `","traits":{"email":"` + email + `","username":"ann","name":{"first":"Ann","last":"Lee"}},` +
		`"verifiable_addresses":` + addresses + `}`
}

func TestMemberHookDecoding(t *testing.T) {
	h, _ := memberServer(t)
	auth := config.HooksAuthScheme + testKey
	verifiedAt := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	tests := []struct {
		name, path, auth, body string
		want                   int
	}{
		{"registered", "/hooks/members/registration", auth, saved("Ann@Acme-Widgets.com", `[{"value":"ann@acme-widgets.com","via":"email","verified":false,"verified_at":null}]`), http.StatusNoContent},
		{"verified", "/hooks/members/verification", auth, saved("ann@acme-widgets.com", `[{"value":"ann@acme-widgets.com","via":"email","verified":true,"verified_at":"`+verifiedAt+`"}]`), http.StatusNoContent},
		{"no addresses", "/hooks/members/registration", auth, saved("ann@acme-widgets.com", `[]`), http.StatusNoContent},
		{"no key", "/hooks/members/registration", "", saved("ann@acme-widgets.com", `[]`), http.StatusUnauthorized},
		{"not an id", "/hooks/members/registration", auth, strings.Replace(saved("ann@acme-widgets.com", `[]`), annID, "ann", 1), http.StatusBadRequest},
		{"no email", "/hooks/members/registration", auth, `{"identity_id":"` + annID + `","traits":{}}`, http.StatusBadRequest},
		{"email not a string", "/hooks/members/registration", auth, `{"identity_id":"` + annID + `","traits":{"email":7}}`, http.StatusBadRequest},
		{"bad verified_at", "/hooks/members/verification", auth, saved("ann@acme-widgets.com", `[{"value":"ann@acme-widgets.com","via":"email","verified":true,"verified_at":"yesterday"}]`), http.StatusBadRequest},
		{"malformed", "/hooks/members/settings", auth, `{"identity_id":`, http.StatusBadRequest},
		{"two objects", "/hooks/members/settings", auth, saved("ann@acme-widgets.com", `[]`) + `{}`, http.StatusBadRequest},
		{"too large", "/hooks/members/settings", auth, `{"x":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"unknown event", "/hooks/members/login", auth, saved("ann@acme-widgets.com", `[]`), http.StatusNotFound},
	}
	for _, tt := range tests {
		if rec := call(h, tt.path, tt.auth, tt.body); rec.Code != tt.want {
			t.Errorf("%s: POST %s = %d, want %d (%s)", tt.name, tt.path, rec.Code, tt.want, rec.Body)
		}
	}
}

// The index follows what each call says: registered (pending), verified
// (a company formed, a member), moved to another domain (no longer one).
func TestMemberHookFollowsTheAddress(t *testing.T) {
	h, store := memberServer(t)
	ctx := context.Background()
	auth := config.HooksAuthScheme + testKey
	post := func(event, body string) {
		t.Helper()
		if rec := call(h, "/hooks/members/"+event, auth, body); rec.Code != http.StatusNoContent {
			t.Fatalf("POST /hooks/members/%s = %d (%s), want 204", event, rec.Code, rec.Body)
		}
	}
	post("registration", saved("Ann@Acme-Widgets.com", `[{"value":"ann@acme-widgets.com","via":"email","verified":false}]`))
	if m, _ := store.MembershipOf(ctx, annID); m != nil {
		t.Fatalf("a registered, unverified account is a member of %s", m.Company.Name)
	}
	at := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	post("verification", saved("Ann@Acme-Widgets.com", `[{"value":"ann@acme-widgets.com","via":"email","verified":true,"verified_at":"`+at+`"}]`))
	m, err := store.MembershipOf(ctx, annID)
	if err != nil || m == nil || m.Company.Name != "acme-widgets.com" {
		t.Fatalf("after verification MembershipOf = %+v, %v; want acme-widgets.com", m, err)
	}
	page, err := store.Members(ctx, m.Company.ID, companies.MemberQuery{})
	if err != nil || page.Total != 1 || page.Rows[0].Name != "Ann Lee" || page.Rows[0].Address != "ann@acme-widgets.com" || page.Rows[0].Username != "ann" {
		t.Errorf("members = %+v, %v; want Ann Lee, ann@acme-widgets.com, ann", page.Rows, err)
	}
	// A settings change to an unverified address elsewhere. Kratos's admin
	// API is down here: the row is recorded without the record.
	post("settings", saved("ann@globex-corp.com", `[{"value":"ann@globex-corp.com","via":"email","verified":false}]`))
	if m, _ := store.MembershipOf(ctx, annID); m != nil {
		t.Errorf("after moving to an unverified address: member of %s", m.Company.Name)
	}
	if co, _ := store.Company(ctx, "acme-widgets.com"); co.Members != 0 {
		t.Errorf("acme-widgets.com has %d members, want 0", co.Members)
	}

	// A personal address, verified, forms no company.
	gmail := strings.Replace(saved("ann.lee@gmail.com", `[{"value":"ann.lee@gmail.com","via":"email","verified":true,"verified_at":"`+at+`"}]`), annID, "7b1dc1c6-3048-4c54-8b4f-1e5d2c3f0a21", 1)
	post("verification", gmail)
	if all, _ := store.Companies(ctx); len(all) != 1 {
		t.Errorf("%d companies after a verified gmail.com address, want still 1", len(all))
	}

	got := metricstest.Scrape(t, h)
	got.Want(t, map[string]float64{
		`workid_hooks_member_observations_total{event="registration",outcome="changed"}`:   1,
		`workid_hooks_member_observations_total{event="verification",outcome="formed"}`:    1,
		`workid_hooks_member_observations_total{event="verification",outcome="changed"}`:   1,
		`workid_hooks_member_observations_total{event="settings",outcome="changed"}`:       1,
		`workid_hooks_member_observations_total{event="settings",outcome="failed"}`:        0,
		`workid_hooks_member_observations_total{event="registration",outcome="refused"}`:   0,
		`workid_hooks_member_observations_total{event="verification",outcome="unchanged"}`: 0,
	})
}

// A database that fails answers 500 (Kratos tries again), counted.
func TestMemberHookDatabaseDown(t *testing.T) {
	h, store := memberServer(t)
	store.Close()
	rec := call(h, "/hooks/members/registration", config.HooksAuthScheme+testKey, saved("ann@acme-widgets.com", `[]`))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("with the database closed: %d, want 500", rec.Code)
	}
	metricstest.Scrape(t, h).Want(t, map[string]float64{
		`workid_hooks_member_observations_total{event="registration",outcome="failed"}`: 1,
	})
}
