package hooks_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/workid/workid/internal/businessemail"
	"github.com/workid/workid/internal/stacktest"
)

// These tests run the real Kratos against the hooks server: Kratos calls
// the hook, and what users get back is Kratos's answer.

var shared = &stacktest.Shared{}

func TestMain(m *testing.M) { shared.Main(m) }

const freeMailText = "gmail.com is a personal email provider. Please use your work address, e.g. name@yourcompany.com."

func assertNoIdentity(t *testing.T, email string) {
	t.Helper()
	st := shared.Get(t)
	ids, err := st.IdentitiesByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 0 {
		t.Errorf("%d identities saved for %s, want none", len(ids), email)
	}
}

func TestRegistrationAPIRefusesFreeMail(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("gmail.com")
	_, err := st.Register(t.Context(), u)
	stacktest.AssertRefusedOnEmail(t, err, freeMailText, 9100012)
	assertNoIdentity(t, u.Email)
}

func TestRegistrationBrowserRefusesDisposable(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("x.mailinator.com")
	err := st.NewBrowser().Register(t.Context(), u)
	stacktest.AssertRefusedOnEmail(t, err,
		"mailinator.com provides disposable addresses, which cannot hold an account. Please use your work address, e.g. name@yourcompany.com.", 9100013)
	assertNoIdentity(t, u.Email)
}

func TestRegistrationBrowserRefusesInvalid(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("acme-widgets.test")
	err := st.NewBrowser().Register(t.Context(), u)
	var fe *stacktest.FlowError
	if !errors.As(err, &fe) || len(fe.Messages("traits.email")) == 0 {
		t.Fatalf("Register(%s) = %v, want a message on the email field", u.Email, err)
	}
	assertNoIdentity(t, u.Email)
}

func TestRegistrationRecordsCompanyDomain(t *testing.T) {
	st := shared.Get(t)
	u := stacktest.NewUser("eu.acme-widgets.co.uk")
	if err := st.NewBrowser().Register(t.Context(), u); err != nil {
		t.Fatalf("browser Register(%s) = %v, want success", u.Email, err)
	}
	ids, err := st.IdentitiesByEmail(t.Context(), u.Email)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities for %s = %d (%v), want 1", u.Email, len(ids), err)
	}
	meta, _ := ids[0].MetadataPublic.(map[string]any)
	if got := meta[businessemail.CompanyDomainKey]; got != "acme-widgets.co.uk" {
		t.Errorf("metadata_public = %v, want company_domain acme-widgets.co.uk", ids[0].MetadataPublic)
	}
}

// An account made before the rule (through the admin API) with a personal
// address keeps working: it signs in and changes its name; changing the
// address is where the rule applies.
func TestSettingsAppliesTheRuleToANewAddressOnly(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	legacy := stacktest.NewUser("gmail.com")
	ident, err := st.CreateIdentity(ctx, legacy)
	if err != nil {
		t.Fatal(err)
	}
	token, err := st.Login(ctx, legacy.Email, legacy.Password)
	if err != nil {
		t.Fatalf("a personal-address account cannot sign in: %v", err)
	}

	renamed := legacy
	renamed.First = "Renamed"
	if _, err := st.UpdateProfile(ctx, token, renamed.Traits()); err != nil {
		t.Fatalf("changing the name of a personal-address account = %v, want success", err)
	}

	toFree := renamed
	toFree.Email = strings.Replace(renamed.Email, "@gmail.com", "@yahoo.co.uk", 1)
	_, err = st.UpdateProfile(ctx, token, toFree.Traits())
	stacktest.AssertRefusedOnEmail(t, err,
		"yahoo.co.uk is a personal email provider. Please use your work address, e.g. name@yourcompany.com.", 9100012)

	toWork := renamed
	toWork.Email = strings.Replace(renamed.Email, "@gmail.com", "@northwind-traders.com", 1)
	if _, err := st.UpdateProfile(ctx, token, toWork.Traits()); err != nil {
		t.Fatalf("changing to a business address = %v, want success", err)
	}
	got, err := st.Identity(ctx, ident.Id)
	if err != nil {
		t.Fatal(err)
	}
	traits := got.Traits.(map[string]any)
	if traits["email"] != toWork.Email || traits["name"].(map[string]any)["first"] != "Renamed" {
		t.Errorf("traits after the changes = %v, want email %s and first name Renamed", traits, toWork.Email)
	}
	if a := got.VerifiableAddresses[0]; a.Value != strings.ToLower(toWork.Email) || a.Verified {
		t.Errorf("verifiable address = %s verified=%v, want %s unverified", a.Value, a.Verified, toWork.Email)
	}
	meta, _ := got.MetadataPublic.(map[string]any)
	if meta[businessemail.CompanyDomainKey] != "northwind-traders.com" {
		t.Errorf("metadata_public after the change = %v, want company_domain northwind-traders.com", got.MetadataPublic)
	}

	// Kratos mails the new address a verification link by itself.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := st.WaitForMail(wctx, strings.ToLower(toWork.Email), 1); err != nil {
		t.Errorf("no verification mail to the new address: %v", err)
	}
}

// assertRefusedOn fails t unless err is a flow Kratos refused with the
// message ID wantID on field, whose text names the character.
func assertRefusedOn(t *testing.T, err error, field string, wantID int64, char string) {
	t.Helper()
	var fe *stacktest.FlowError
	if !errors.As(err, &fe) || fe.Status != 400 {
		t.Fatalf("got %v, want a flow refused with 400", err)
	}
	if ids := fe.MessageIDs(field); !slices.Contains(ids, wantID) {
		t.Errorf("message IDs on %s = %v, want %d (form: %s)", field, ids, wantID, fe.Body)
	}
	if texts := fe.Messages(field); len(texts) == 0 || !strings.Contains(texts[0], char) {
		t.Errorf("messages on %s = %q, want one naming %s", field, texts, char)
	}
	if ids := fe.MessageIDs("traits.email"); len(ids) != 0 {
		t.Errorf("the business address got messages %v", ids)
	}
}

// A right-to-left override in a name is refused on that field, at
// registration and in settings, and nothing is saved.
func TestNameWithBidiOverrideIsRefused(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("acme-widgets.com")
	u.First = "Ann\u202eeeL"
	_, err := st.Register(ctx, u)
	assertRefusedOn(t, err, "traits.name.first", 9100101, "U+202E")
	assertNoIdentity(t, u.Email)

	u.First = "Ann"
	if _, err := st.Register(ctx, u); err != nil {
		t.Fatal(err)
	}
	token, err := st.Login(ctx, u.Email, u.Password)
	if err != nil {
		t.Fatal(err)
	}
	bad := u
	bad.Last = "Lee\u200b"
	_, err = st.UpdateProfile(ctx, token, bad.Traits())
	assertRefusedOn(t, err, "traits.name.last", 9100102, "U+200B")
	ids, err := st.IdentitiesByEmail(ctx, u.Email)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identities for %s = %d (%v), want 1", u.Email, len(ids), err)
	}
	if last := ids[0].Traits.(map[string]any)["name"].(map[string]any)["last"]; last != u.Last {
		t.Errorf("last name after the refused change = %q, want %q", last, u.Last)
	}
}

// A decomposed é (e and a combining accent) is stored composed (NFC), at
// registration and in settings, and the account still signs in: Kratos
// takes the traits the hook sends back before it saves them.
func TestNamesAreStoredInNFC(t *testing.T) {
	st := shared.Get(t)
	ctx := t.Context()
	u := stacktest.NewUser("acme-widgets.com")
	u.First, u.Last = "Jose\u0301", "Nun\u0303ez"
	reg, err := st.Register(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	name := func() map[string]any {
		t.Helper()
		ident, err := st.Identity(ctx, reg.Identity.Id)
		if err != nil {
			t.Fatal(err)
		}
		meta, _ := ident.MetadataPublic.(map[string]any)
		if meta[businessemail.CompanyDomainKey] != "acme-widgets.com" {
			t.Errorf("metadata_public = %v, want the company domain kept", ident.MetadataPublic)
		}
		return ident.Traits.(map[string]any)["name"].(map[string]any)
	}
	if got := name(); got["first"] != "Jos\u00e9" || got["last"] != "Nu\u00f1ez" {
		t.Errorf("stored name = %+q, want José Nuñez in NFC", got)
	}
	token, err := st.Login(ctx, u.Username, u.Password)
	if err != nil {
		t.Fatalf("sign in after the hook replaced the traits: %v", err)
	}
	u.First = "Rene\u0301e"
	if _, err := st.UpdateProfile(ctx, token, u.Traits()); err != nil {
		t.Fatal(err)
	}
	if got := name(); got["first"] != "Ren\u00e9e" {
		t.Errorf("first name after the change = %+q, want Renée in NFC", got["first"])
	}
}

// Registrations at the same moment all succeed on the default SQLite. In
// its rollback journal Kratos's own transactions (the verification mail of
// one registration, the courier marking another's mail sent) met as
// "database is locked": an account saved, its mail and session lost, the
// user shown an error. WAL lets readers and the one writer pass.
func TestConcurrentRegistrationsAllSucceed(t *testing.T) {
	st := shared.Get(t)
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			u := stacktest.NewUser("acme-widgets.co.uk")
			err := st.NewBrowser().Register(t.Context(), u)
			if err != nil {
				err = fmt.Errorf("Register(%s): %w", u.Email, err)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
