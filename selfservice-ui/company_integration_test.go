package selfserviceui_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	kratos "github.com/ory/kratos-client-go"
	"golang.org/x/oauth2"

	"github.com/workid/workid/internal/browsertest"
	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/emailstate"
	"github.com/workid/workid/internal/reverify"
	"github.com/workid/workid/internal/stacktest"
)

// companyStore opens the stack's own WorkID database, the one its UI reads.
func companyStore(t *testing.T, st *stacktest.Stack) *companies.Store {
	return st.OpenIndex(t, nil)
}

// person is an account in Kratos and in the member index.
type person struct {
	stacktest.User
	ID string
}

// newPerson creates the account in Kratos (verified at verifiedAt, or
// never when it is zero) and records it in the index as the hooks would.
func newPerson(t *testing.T, st *stacktest.Stack, db *companies.Store, u stacktest.User, verifiedAt time.Time) person {
	t.Helper()
	var ident *kratos.Identity
	var err error
	state := emailstate.State{Address: u.Email, Status: emailstate.Unverified}
	if verifiedAt.IsZero() {
		ident, err = st.CreateIdentity(t.Context(), u)
	} else {
		ident, err = st.CreateVerifiedIdentity(t.Context(), u, verifiedAt)
		state = emailstate.State{Address: u.Email, Status: emailstate.Verified, VerifiedAt: verifiedAt}
	}
	if err != nil {
		t.Fatal(err)
	}
	observe(t, db, ident.Id, u, state)
	return person{User: u, ID: ident.Id}
}

func observe(t *testing.T, db *companies.Store, id string, u stacktest.User, state emailstate.State) {
	t.Helper()
	if _, err := db.Observe(t.Context(), companies.Member{IdentityID: id, Address: u.Email, Name: u.First + " " + u.Last, Username: u.Username, State: state}); err != nil {
		t.Fatal(err)
	}
}

// A company admin sees the company on the dashboard and its people on the
// company page, searches, pages, downloads them, and makes a colleague an
// admin.
func TestCompanyPage(t *testing.T) {
	st := shared.Get(t)
	db := companyStore(t, st)
	domain := stacktest.UniqueDomain("acme-widgets")
	recently := time.Now().AddDate(0, 0, -20)
	ann := newPerson(t, st, db, stacktest.NewUser(domain), recently)
	bobUser := stacktest.NewUser(domain)
	bobUser.First = "=HYPERLINK(\"http://evil.example\")"
	bob := newPerson(t, st, db, bobUser, recently)
	carl := newPerson(t, st, db, stacktest.NewUser(domain), time.Time{})
	co, err := db.SetName(t.Context(), domain, "Acme Widgets")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() (companies.Company, error){
		func() (companies.Company, error) {
			return db.GrantAdmin(t.Context(), co.ID, ann.ID, companies.Operator)
		},
		func() (companies.Company, error) { return db.Subscribe(t.Context(), co.ID, "support", "2099-06-30") },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}

	b := stacktest.NewPageBrowser(t)
	final, _, body := b.SignIn(st.UIURL+"/login", ann.User)
	if final.Path != "/" {
		t.Fatalf("sign-in ended at %s", final)
	}
	for _, want := range []string{"Your company: Acme Widgets", "support</span> until 30 June 2099",
		"Premium support is included in your company&#39;s support subscription until 30 June 2099.", `href="/company"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the admin's dashboard lacks %q", want)
		}
	}

	_, status, body := b.Get(st.UIURL + "/company")
	if status != http.StatusOK {
		t.Fatalf("GET /company = %d", status)
	}
	for _, want := range []string{"Members (2)", "Pending (1)", strings.ToLower(ann.Email), strings.ToLower(bob.Email), "Make admin"} {
		if !strings.Contains(body, want) {
			t.Errorf("the company page lacks %q", want)
		}
	}
	if strings.Contains(body, strings.ToLower(carl.Email)) {
		t.Error("an account that never verified is listed among the members")
	}
	_, _, body = b.Get(st.UIURL + "/company?view=pending")
	if !strings.Contains(body, strings.ToLower(carl.Email)) || !strings.Contains(body, "Not verified yet") {
		t.Error("the pending tab does not list the unverified account")
	}
	_, _, body = b.Get(st.UIURL + "/company?q=" + url.QueryEscape(bob.Username))
	if !strings.Contains(body, strings.ToLower(bob.Email)) || strings.Contains(body, strings.ToLower(ann.Email)) {
		t.Error("searching for bob's username does not show bob alone")
	}

	req, _ := http.NewRequest(http.MethodGet, st.UIURL+"/company/people.csv", nil)
	_, status, csvBody := b.Do(req)
	if status != http.StatusOK || !strings.HasPrefix(csvBody, "identity_id,name,address") || strings.Count(csvBody, "\n") != 3 {
		t.Errorf("CSV = %d:\n%s\nwant a header and two members", status, csvBody)
	}
	if !strings.Contains(csvBody, `"'=HYPERLINK(`) {
		t.Errorf("a name that is a formula is not neutralised in the CSV:\n%s", csvBody)
	}

	final, status, body = b.Post(st.UIURL+"/company/admins", url.Values{"identity_id": {bob.ID}, "action": {"grant"}}, nil)
	if final.Path != "/company" || status != http.StatusOK || !strings.Contains(body, "they are now one of your company") {
		t.Errorf("making bob an admin ended at %s (%d)", final, status)
	}
	if c, _ := db.Company(t.Context(), co.ID); len(c.Admins) != 2 {
		t.Errorf("admins = %+v, want ann and bob", c.Admins)
	}
}

// Nobody sees a company's people but its current admins, and no admin
// acts on another company's accounts, whatever the request says.
func TestCompanyPageRefusals(t *testing.T) {
	st := shared.Get(t)
	db := companyStore(t, st)
	acme, globex := stacktest.UniqueDomain("acme-widgets"), stacktest.UniqueDomain("globex-corp")
	recently := time.Now().AddDate(0, 0, -20)
	ann := newPerson(t, st, db, stacktest.NewUser(acme), recently)
	bob := newPerson(t, st, db, stacktest.NewUser(acme), recently)
	eve := newPerson(t, st, db, stacktest.NewUser(globex), recently)
	// Kratos says dave's verification expired; the index has not caught
	// up and still says current. Kratos wins.
	daveUser := stacktest.NewUser(acme)
	dave := newPerson(t, st, db, daveUser, time.Now().AddDate(0, 0, -400))
	observe(t, db, dave.ID, daveUser, emailstate.State{Address: daveUser.Email, Status: emailstate.Verified, VerifiedAt: recently})
	// Kratos has frank on globex now; the index still has his old acme
	// address. His acme rights do not follow him.
	frank := newPerson(t, st, db, stacktest.NewUser(globex), recently)
	frankThen := frank.User
	frankThen.Email = "frank-then@" + acme
	observe(t, db, frank.ID, frankThen, emailstate.State{Address: frankThen.Email, Status: emailstate.Verified, VerifiedAt: recently})
	for _, admin := range []person{ann, eve, dave, frank} {
		m, err := db.MembershipOf(t.Context(), admin.ID)
		if err != nil || m == nil {
			t.Fatalf("membership of %s: %v, %v", admin.Email, m, err)
		}
		if _, err := db.GrantAdmin(t.Context(), m.Company.ID, admin.ID, companies.Operator); err != nil {
			t.Fatal(err)
		}
	}

	_, status, body := stacktest.NewPageBrowser(t).Get(st.UIURL + "/company")
	if status != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /company signed out = %d, want the sign-in page", status)
	}
	bobB := stacktest.NewPageBrowser(t)
	bobB.SignIn(st.UIURL+"/login", bob.User)
	if _, status, body := bobB.Get(st.UIURL + "/company"); status != http.StatusForbidden || !strings.Contains(body, "This page is for your company") {
		t.Errorf("a member who is no admin: GET /company = %d", status)
	}
	if _, status, _ := bobB.Post(st.UIURL+"/company/admins", url.Values{"identity_id": {bob.ID}, "action": {"grant"}}, nil); status != http.StatusForbidden {
		t.Errorf("a member who is no admin makes himself one: %d, want 403", status)
	}
	daveB := stacktest.NewPageBrowser(t)
	daveB.SignIn(st.UIURL+"/login", dave.User)
	if _, status, body := daveB.Get(st.UIURL + "/company"); status != http.StatusForbidden || !strings.Contains(body, "verify yours") {
		t.Errorf("an admin whose verification expired: GET /company = %d", status)
	}

	frankB := stacktest.NewPageBrowser(t)
	frankB.SignIn(st.UIURL+"/login", frank.User)
	if _, status, body := frankB.Get(st.UIURL + "/company"); status != http.StatusForbidden || strings.Contains(body, strings.ToLower(ann.Email)) {
		t.Errorf("an admin who moved to another company's domain: GET /company = %d", status)
	}

	eveB := stacktest.NewPageBrowser(t)
	eveB.SignIn(st.UIURL+"/login", eve.User)
	_, _, body = eveB.Get(st.UIURL + "/company")
	if strings.Contains(body, strings.ToLower(ann.Email)) || strings.Contains(body, strings.ToLower(bob.Email)) {
		t.Error("globex's admin sees acme's people")
	}
	for _, action := range []string{"grant", "revoke"} {
		target := bob.ID
		if action == "revoke" {
			target = ann.ID
		}
		if _, status, _ := eveB.Post(st.UIURL+"/company/admins", url.Values{"identity_id": {target}, "action": {action}}, nil); status != http.StatusConflict {
			t.Errorf("globex's admin %ss on acme's account: %d, want 409", action, status)
		}
	}
	for _, form := range []url.Values{{"identity_id": {eve.ID}, "action": {"revoke"}}, {"identity_id": {bob.ID}, "action": {"delete"}}, {}} {
		if _, status, _ := eveB.Post(st.UIURL+"/company/admins", form, nil); status != http.StatusBadRequest {
			t.Errorf("POST /company/admins %v = %d, want 400", form, status)
		}
	}
	// A page number past any end is answered, not an error.
	if _, status, _ := eveB.Get(st.UIURL + "/company?page=99999999999999999999&q=%25"); status != http.StatusOK {
		t.Errorf("a hostile page number: %d", status)
	}
	m, _ := db.MembershipOf(t.Context(), ann.ID)
	if len(m.Company.Admins) != 3 { // ann, dave and frank
		t.Errorf("acme's admins after globex's attempts = %+v", m.Company.Admins)
	}
}

// A service that needs a subscription signs in a member of a company that
// has it, with the company in the claims, and explains itself to one
// whose company has not.
func TestSSOSubscriptionGate(t *testing.T) {
	st := shared.Get(t)
	db := companyStore(t, st)
	clientID := st.CreateOAuthClient(t, "Premium support", map[string]any{"first_party": true, "requires_subscription": "support"})
	recently := time.Now().AddDate(0, 0, -20)
	withSupport, without := stacktest.UniqueDomain("fabrikam-systems"), stacktest.UniqueDomain("northwind-traders")
	ann := newPerson(t, st, db, stacktest.NewUser(withSupport), recently)
	bob := newPerson(t, st, db, stacktest.NewUser(without), recently)
	co, err := db.Subscribe(t.Context(), withSupport, "support", "2099-06-30")
	if err != nil {
		t.Fatal(err)
	}

	conf := st.OAuthConfig(clientID)
	verifier := oauth2.GenerateVerifier()
	final, status, _ := stacktest.NewPageBrowser(t).SignInToService(conf, verifier, ann.User)
	code := final.Query().Get("code")
	if code == "" {
		t.Fatalf("sign-in with the subscription ended at %s (%d)", final, status)
	}
	claims, _ := st.Exchange(t, conf, code, verifier)
	company, _ := claims["company"].(map[string]any)
	if company["id"] != co.ID || company["name"] != withSupport {
		t.Errorf("company claim = %v, want %s named %s", claims["company"], co.ID, withSupport)
	}
	if fmt.Sprint(claims["subscriptions"]) != "[map[ends_on:2099-06-30 name:support]]" {
		t.Errorf("subscriptions claim = %v", claims["subscriptions"])
	}

	final, status, body := stacktest.NewPageBrowser(t).SignInToService(conf, oauth2.GenerateVerifier(), bob.User)
	if final.Path != "/consent" || status != http.StatusForbidden || !strings.Contains(body, "Your company has no support subscription: ask your company admin.") {
		t.Errorf("sign-in without the subscription ended at %s (%d)", final, status)
	}
}

// An admin's view as the company grows and ages, in a real browser: a
// colleague registers in another browser (pending), a mail scanner opens
// his link (still pending), he presses Verify (a member), the admin makes
// him an admin, and a year on the yearly pass expires his verification
// (pending again, shown as expired). Kratos's hooks and the yearly job
// keep the page true; nothing here writes the index itself but the
// admin's own first account.
func TestCompanyJourney(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	db := companyStore(t, st)
	domain := stacktest.UniqueDomain("litware-labs")
	ann := newPerson(t, st, db, stacktest.NewUser(domain), time.Now().AddDate(0, 0, -20))
	if _, err := db.GrantAdmin(ctx, domain, ann.ID, companies.Operator); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(browsertest.New(t), 3*time.Minute)
	defer cancel()
	admin := &journey{t: t, ctx: bctx}
	// The colleague's own browser: the same Chromium, other cookies.
	cctx, cancelColleague := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	defer cancelColleague()
	// Its tab opens on its first run, which must use cctx itself: a tab
	// closes when the context of its first run ends.
	if err := chromedp.Do(cctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	colleague := &journey{t: t, ctx: cctx}

	admin.do("open the sign-in page", chromedp.Navigate(st.UIURL+"/login"), chromedp.WaitVisible(chromedp.CSS("#f-password")))
	admin.do("fill in", chromedp.SetValue(chromedp.CSS("#f-identifier"), ann.Email), chromedp.SetValue(chromedp.CSS("#f-password"), ann.Password))
	admin.submit("sign in", `button[name="method"][value="password"]`)
	admin.do("dashboard", chromedp.WaitVisible(chromedp.CSS("section.company")))
	admin.do("open the company page", chromedp.Click(chromedp.CSS(`a[href="/company"]`)), chromedp.WaitVisible(chromedp.CSS("#heading")))
	admin.wantText("#heading", domain)
	admin.wantText("table.people", strings.ToLower(ann.Email))

	bob := stacktest.NewUser(domain)
	address := strings.ToLower(bob.Email)
	colleague.do("open registration", chromedp.Navigate(st.UIURL+"/registration"), chromedp.WaitVisible(chromedp.CSS("#f-traits-email")))
	colleague.fillRegistration(bob)
	colleague.submit("register", `button[name="method"][value="password"]`)
	colleague.do("dashboard", chromedp.WaitVisible(chromedp.CSS("li.service")))
	colleague.wantText(".email-state", "Not verified yet")

	// row waits until the admin's tab view lists address and returns its
	// row's text (the hooks answer Kratos after it has answered the
	// colleague's browser).
	row := func(view, address string) string {
		t.Helper()
		rows := admin.reloadUntilFound(st.UIURL+"/company"+view, "#heading",
			`[...document.querySelectorAll("table.people tbody tr")].filter(r => [...r.cells].some(c => c.textContent === `+strconv.Quote(address)+`)).map(r => r.innerText)`)
		if len(rows) != 1 {
			t.Fatalf("/company%s lists %s %d times", view, address, len(rows))
		}
		return rows[0]
	}
	if got := row("?view=pending", address); !strings.Contains(got, "Not verified yet") {
		t.Fatalf("pending row of %s reads %q", address, got)
	}

	// A mail scanner opens the link first: that verifies nothing, so bob
	// is still pending (his company learns of a mailbox he reads, not of
	// one a scanner reads).
	link := lastLink(t, address, 1)
	if _, err := st.Follow(ctx, link); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // a hook, were there one to call, lands within it
	if got := row("?view=pending", address); !strings.Contains(got, "Not verified yet") {
		t.Fatalf("after a scanner opened the link, bob's row reads %q", got)
	}
	colleague.do("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form button")))
	colleague.submit("press Verify", "form button")
	colleague.wantText("h1", "Your email address is verified")
	if got := row("", address); !strings.Contains(got, "Verified") {
		t.Fatalf("bob's member row reads %q", got)
	}
	admin.shot("company")

	// The admin makes bob an admin; the page says so.
	bobID := identityOf(t, st, address)
	admin.submit("make bob an admin", `form:has(input[value="`+bobID+`"]) button[value="grant"]`)
	if got := row("", address); !strings.Contains(got, "Admin") {
		t.Fatalf("after the grant bob's row reads %q", got)
	}
	if r, _, err := db.Member(ctx, bobID); err != nil || !r.Admin {
		t.Errorf("the grant pressed on the page is not in the database: %+v, %v", r, err)
	}

	// A year on: bob's verification is 400 days old in Kratos, and the
	// yearly pass expires it and reconciles the index.
	old := time.Now().AddDate(0, 0, -400).UTC().Format(time.RFC3339)
	if _, _, err := st.Admin.IdentityAPI.PatchIdentity(ctx, bobID).JsonPatch([]kratos.JsonPatch{
		{Op: "replace", Path: "/verifiable_addresses/0/verified_at", Value: old},
	}).Execute(); err != nil {
		t.Fatal(err)
	}
	job := reverify.New(st.Admin, st.Public, reverify.Options{SendsPerSecond: 100},
		reverify.FileLock{Path: filepath.Join(t.TempDir(), "lock")}, slog.New(slog.DiscardHandler))
	job.Index = db
	if r, err := job.RunOnce(ctx); err != nil || r.Notified < 1 {
		t.Fatalf("re-verification pass: %+v, %v", r, err)
	}
	if got := row("?view=pending", address); !strings.Contains(got, "Expired") {
		t.Fatalf("bob's pending row after expiry reads %q", got)
	}
	admin.do("members", chromedp.Navigate(st.UIURL+"/company"), chromedp.WaitVisible(chromedp.CSS("#heading")))
	if got := admin.text("main"); strings.Contains(got, address) {
		t.Error("an expired colleague is still among the members")
	}
	// And bob, expired, has lost the company page his grant gave him.
	colleague.do("bob opens the company page", chromedp.Navigate(st.UIURL+"/company"), chromedp.WaitVisible(chromedp.CSS("h1")))
	colleague.wantText("h1", "This page is for your company's admins")
}

// identityOf finds the identity whose credentials identifier is address.
func identityOf(t *testing.T, st *stacktest.Stack, address string) string {
	t.Helper()
	list, _, err := st.Admin.IdentityAPI.ListIdentities(t.Context()).CredentialsIdentifier(address).Execute()
	if err != nil || len(list) != 1 {
		t.Fatalf("identity of %s: %d found, %v", address, len(list), err)
	}
	return list[0].Id
}
