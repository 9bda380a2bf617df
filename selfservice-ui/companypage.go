package selfserviceui

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/workid/workid/internal/companies"
	"github.com/workid/workid/internal/csvcell"
)

// The company page (/company): a company admin's view of the company's
// people. Every request checks, from Kratos and the database, that the
// signed-in account is a current member and an admin of the company it
// shows; nothing about the company comes from the browser but what to
// search and which page.

// companyPageSize is how many people one page lists.
const companyPageSize = 50

// companyPage is the data of the company page.
type companyPage struct {
	Page    page
	Company companies.Company
	// Pending is true on the tab of accounts that are not members now.
	Pending bool
	Search  string
	Rows    []companyRow
	// Members and PendingTotal count each tab (with the search).
	Members, PendingTotal int
	// From and To number the rows shown (1-based); Prev and Next link
	// the neighbouring pages, "" at an end.
	From, To   int
	Prev, Next string
	CSV        string
	Self       string
	// DomainList is the company's domains as a list in the page's language.
	DomainList string
}

type companyRow struct {
	companies.Row
	// Self is the viewing admin's own row (no button to remove oneself).
	Self bool
	// DaysLeft counts the days to ValidUntil, for an expiring address.
	DaysLeft int
}

// companyAdmin answers the request itself unless the signed-in account is
// an admin and current member of its company, which it returns.
func (s *Server) companyAdmin(w http.ResponseWriter, r *http.Request) (*companies.Membership, *identity, bool) {
	sess, early, ok := s.sessionAndCompany(w, r, "/company")
	if !ok {
		return nil, nil, false
	}
	ident, st, err := s.accountState(r.Context(), &sess.Identity)
	if err != nil {
		s.unavailable(w, r, err)
		return nil, nil, false
	}
	m, err := s.companyOf(r.Context(), ident, st, early)
	if err != nil {
		s.unavailable(w, r, err)
		return nil, nil, false
	}
	if m == nil || !m.Admin {
		text := "error.admins_text"
		if !st.Current() {
			text = "error.admins_verify_text"
		}
		s.fail(w, r, http.StatusForbidden, "error.admins_heading", text, "/", nil)
		return nil, nil, false
	}
	return m, ident, true
}

// companyQuery reads what to show from the URL: which tab, the search,
// the page (bounded, so a hostile number cannot make the database work).
func companyQuery(q url.Values) (pending bool, search string, pageNo int) {
	pending = q.Get("view") == "pending"
	// Valid UTF-8 without NUL (PostgreSQL refuses both), at most 200
	// characters.
	search = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(q.Get("q"), ""), "\x00", ""))
	if r := []rune(search); len(r) > 200 {
		search = string(r[:200])
	}
	pageNo, err := strconv.Atoi(q.Get("page"))
	if err != nil || pageNo < 1 || pageNo > 100_000 {
		pageNo = 1
	}
	return pending, search, pageNo
}

// showCompany is GET /company.
func (s *Server) showCompany(w http.ResponseWriter, r *http.Request) {
	m, viewer, ok := s.companyAdmin(w, r)
	if !ok {
		return
	}
	self := viewer.ID
	pending, search, pageNo := companyQuery(r.URL.Query())
	ctx := r.Context()
	offset := (pageNo - 1) * companyPageSize
	mq := companies.MemberQuery{Pending: pending, Search: search, Offset: offset, Limit: companyPageSize}
	page, err := s.Companies.Members(ctx, m.Company.ID, mq)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	mq.Pending, mq.Limit, mq.Offset = !pending, 1, 0
	other, err := s.Companies.Members(ctx, m.Company.ID, mq)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	p := companyPage{Page: s.page(r, m.Company.Name, "wide"), Company: m.Company, Pending: pending, Search: search, Self: self,
		DomainList: strings.Join(m.Company.Domains, s.tr(r).T("list.separator"))}
	p.Page.User = viewer
	p.Members, p.PendingTotal = page.Total, other.Total
	if pending {
		p.Members, p.PendingTotal = other.Total, page.Total
	}
	for _, row := range page.Rows {
		p.Rows = append(p.Rows, companyRow{Row: row, Self: row.IdentityID == self, DaysLeft: daysLeft(s.Now(), row.ValidUntil)})
	}
	link := func(n int) string {
		v := url.Values{}
		if pending {
			v.Set("view", "pending")
		}
		if search != "" {
			v.Set("q", search)
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/company"
		}
		return "/company?" + v.Encode()
	}
	if len(p.Rows) > 0 {
		p.From, p.To = offset+1, offset+len(p.Rows)
	}
	if pageNo > 1 {
		p.Prev = link(pageNo - 1)
	}
	if offset+len(p.Rows) < page.Total {
		p.Next = link(pageNo + 1)
	}
	p.CSV = strings.Replace(link(1), "/company", "/company/people.csv", 1)
	s.render(w, r, http.StatusOK, "company", p)
}

// companyCSV is GET /company/people.csv: the tab and search of the page,
// every row, read a database page at a time.
func (s *Server) companyCSV(w http.ResponseWriter, r *http.Request) {
	m, _, ok := s.companyAdmin(w, r)
	if !ok {
		return
	}
	pending, search, _ := companyQuery(r.URL.Query())
	mq := companies.MemberQuery{Pending: pending, Search: search, Limit: companies.MaxPage}
	first, err := s.Companies.Members(r.Context(), m.Company.ID, mq)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	name := "people"
	if pending {
		name = "pending"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`-`+s.Now().UTC().Format(time.DateOnly)+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"identity_id", "name", "address", "username", "state", "verified_at", "valid_until", "changed_at", "admin"})
	page := first
	for {
		for _, row := range page.Rows {
			_ = cw.Write([]string{row.IdentityID, csvcell.Safe(row.Name), csvcell.Safe(row.Address), csvcell.Safe(row.Username), string(row.State),
				csvTime(row.VerifiedAt), csvTime(row.ValidUntil), csvTime(row.ChangedAt), strconv.FormatBool(row.Admin)})
		}
		mq.Offset += len(page.Rows)
		if len(page.Rows) == 0 || mq.Offset >= page.Total {
			break
		}
		if page, err = s.Companies.Members(r.Context(), m.Company.ID, mq); err != nil {
			// The header is sent: the file ends short, and the log says why.
			s.log.ErrorContext(r.Context(), "company csv", "err", err)
			break
		}
	}
	cw.Flush()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// changeAdmin is POST /company/admins: make a member an admin, or remove
// one (not oneself: another admin or an operator does that).
func (s *Server) changeAdmin(w http.ResponseWriter, r *http.Request) {
	m, viewer, ok := s.companyAdmin(w, r)
	if !ok {
		return
	}
	self := viewer.ID
	target, action := r.PostFormValue("identity_id"), r.PostFormValue("action")
	var err error
	switch {
	case target == "" || target == self:
		s.fail(w, r, http.StatusBadRequest, "error.unchanged_heading", "error.unchanged_self", "/company", nil)
		return
	case action == "grant":
		_, err = s.Companies.GrantAdmin(r.Context(), m.Company.ID, target, self)
	case action == "revoke":
		_, err = s.Companies.RevokeAdmin(r.Context(), m.Company.ID, target, self)
	default:
		s.fail(w, r, http.StatusBadRequest, "error.unchanged_heading", "error.unchanged_buttons", "/company", nil)
		return
	}
	switch {
	case err == nil:
		s.log.InfoContext(r.Context(), "company admin changed", "company_id", m.Company.ID, "by", self, "identity_id", target, "action", action)
		setNotice(w, r, "admin-"+action+"ed")
		http.Redirect(w, r, "/company", http.StatusSeeOther)
	case errors.Is(err, companies.ErrNotMember), errors.Is(err, companies.ErrNotAdmin):
		s.fail(w, r, http.StatusConflict, "error.unchanged_heading", "error.unchanged_rule", "/company", err)
	default:
		s.unavailable(w, r, err)
	}
}

// daysLeft counts the whole days from now to until, rounded up: an address
// that expires this evening has 1 day left.
func daysLeft(now, until time.Time) int {
	if !until.After(now) {
		return 0
	}
	return int((until.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
}
