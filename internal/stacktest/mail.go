package stacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/workid/workid/internal/kratosapi"
)

// Message is one email as Mailpit caught it.
type Message struct {
	ID      string
	To      []string
	Subject string
	Text    string
	HTML    string
	Created time.Time
}

type mailpitSummary struct {
	ID      string    `json:"ID"`
	Created time.Time `json:"Created"`
}

// Read is the plain-text part as a person reads it: its wrapped lines
// joined, every run of spaces one space.
func (m Message) Read() string { return strings.Join(strings.Fields(m.Text), " ") }

// Queued returns how many messages Kratos's courier holds for address,
// whatever their state: every mail a flow asked for is queued before the
// flow's request returns, so a test that must know no more mail will come
// counts these instead of waiting to see nothing arrive.
func (s *Stack) Queued(ctx context.Context, address string) (int, error) {
	n := 0
	token := ""
	for {
		msgs, next, err := kratosapi.CourierMessages(ctx, s.Admin, address, "", 250, token)
		if err != nil {
			return 0, fmt.Errorf("list the courier's messages to %s: %s", address, apiError(err))
		}
		n += len(msgs)
		if next == "" {
			return n, nil
		}
		token = next
	}
}

// Mail returns every message sent to address, oldest first.
func (s *Stack) Mail(ctx context.Context, address string) ([]Message, error) {
	q := url.Values{"query": {`to:"` + address + `"`}, "limit": {"200"}}
	var list struct {
		Messages []mailpitSummary `json:"messages"`
	}
	if err := s.getJSON(ctx, s.MailpitURL+"/api/v1/search?"+q.Encode(), &list); err != nil {
		return nil, fmt.Errorf("search mail to %s: %w", address, err)
	}
	out := make([]Message, 0, len(list.Messages))
	// Mailpit lists newest first.
	for i := len(list.Messages) - 1; i >= 0; i-- {
		var m struct {
			ID      string
			To      []struct{ Address string }
			Subject string
			Text    string
			HTML    string
		}
		if err := s.getJSON(ctx, s.MailpitURL+"/api/v1/message/"+list.Messages[i].ID, &m); err != nil {
			return nil, fmt.Errorf("read message %s: %w", list.Messages[i].ID, err)
		}
		msg := Message{ID: m.ID, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Created: list.Messages[i].Created}
		for _, t := range m.To {
			msg.To = append(msg.To, t.Address)
		}
		out = append(out, msg)
	}
	return out, nil
}

// WaitForMail waits until address has received at least n messages, or
// ctx ends, and returns them all.
func (s *Stack) WaitForMail(ctx context.Context, address string, n int) ([]Message, error) {
	for {
		msgs, err := s.Mail(ctx, address)
		if err == nil && len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return nil, err
			}
			return msgs, fmt.Errorf("wait for %d messages to %s: got %d: %w", n, address, len(msgs), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"'<>]+`)

// Link returns the first link in m's plain text whose URL contains part.
func (m Message) Link(part string) (string, error) {
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, part) {
			return l, nil
		}
	}
	return "", fmt.Errorf("message %q has no link containing %q", m.Subject, part)
}

// The paths of the UI pages that mailed links open.
const (
	VerifyPage  = "/verify"
	RecoverPage = "/recover"
)

// AlreadyVerified is what a mailed verification link's page says once its
// address is verified.
func AlreadyVerified(address string, since time.Time) string {
	return "Your address " + strings.ToLower(address) + " is already verified (since " + since.UTC().Format("2 January 2006") + ")"
}

// Followed is where following a link ended.
type Followed struct {
	// Hops are the URLs visited, the link first.
	Hops []string
	// Final is the last URL, Status its answer and Body the answer's body.
	Final  *url.URL
	Status int
	Body   string
	// Jar holds the cookies set on the way, as a browser would keep them.
	Jar http.CookieJar
}

// Follow opens link as a mail scanner would (or a person who does not
// press anything): a GET with a fresh cookie jar, following redirects.
func (s *Stack) Follow(ctx context.Context, link string) (*Followed, error) {
	jar, _ := cookiejar.New(nil)
	f := &Followed{Jar: jar}
	return f, s.visit(ctx, f, http.MethodGet, link, nil)
}

// Press opens a mailed link as a person does: the page it leads to, then
// a press on that page's button (its one POST form, sent with the
// browser's cookies). It reports where the press ended.
func (s *Stack) Press(ctx context.Context, link string) (*Followed, error) {
	f, err := s.Follow(ctx, link)
	if err != nil {
		return nil, err
	}
	action, fields, err := postForm(f.Body)
	if err != nil {
		return f, fmt.Errorf("the page %s: %w", f.Final, err)
	}
	target, err := f.Final.Parse(action)
	if err != nil {
		return f, err
	}
	return f, s.visit(ctx, f, http.MethodPost, target.String(), fields)
}

func (s *Stack) visit(ctx context.Context, f *Followed, method, link string, form url.Values) error {
	c := &http.Client{
		Timeout: s.HTTP.Timeout,
		Jar:     f.Jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			f.Hops = append(f.Hops, req.URL.String())
			if len(via) >= 10 {
				return fmt.Errorf("more than 10 redirects")
			}
			return nil
		},
	}
	f.Hops = append(f.Hops, link)
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, link, body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// A browser's same-origin form post.
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	} else {
		// What a mail gateway's link check sends.
		req.Header.Set("User-Agent", "Mozilla/5.0 (compatible; link-scanner)")
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, link, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, link, err)
	}
	f.Final, f.Status, f.Body = resp.Request.URL, resp.StatusCode, string(b)
	return nil
}

// postForm finds the page's one POST form, the language switch every
// page's footer has aside: its action and its fields.
func postForm(page string) (string, url.Values, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "", nil, err
	}
	var forms []*html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") && attr(n, "action") != "/language" {
			forms = append(forms, n)
		}
	}
	if len(forms) != 1 {
		return "", nil, fmt.Errorf("has %d POST forms, want one button to press", len(forms))
	}
	fields := url.Values{}
	for n := range forms[0].Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") != "" {
			fields.Add(attr(n, "name"), attr(n, "value"))
		}
	}
	return attr(forms[0], "action"), fields, nil
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func (s *Stack) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// VerifyByMail waits up to 20 seconds for the first mail to address and
// presses its verification link as the person would (Press): a
// registration's verification, end to end.
func (s *Stack) VerifyByMail(ctx context.Context, address string) (*Followed, error) {
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	msgs, err := s.WaitForMail(wctx, strings.ToLower(address), 1)
	if err != nil {
		return nil, err
	}
	link, err := msgs[0].Link(VerifyPage)
	if err != nil {
		return nil, err
	}
	return s.Press(ctx, link)
}
