package kratosapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
)

// pagedKratos answers GET /admin/identities as Kratos does: page_size
// identities from page_token on, and a Link header that names the first
// page and, unless this is the last, the next. failNext makes the next
// request fail with a 500 (Kratos having a bad moment).
type pagedKratos struct {
	ids      []string
	failNext atomic.Bool
	requests atomic.Int32
}

func (k *pagedKratos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.requests.Add(1)
	if r.URL.Path != "/admin/identities" {
		http.NotFound(w, r)
		return
	}
	if k.failNext.Swap(false) {
		http.Error(w, `{"error":{"code":500,"message":"database is locked"}}`, http.StatusInternalServerError)
		return
	}
	size, _ := strconv.Atoi(r.URL.Query().Get("page_size"))
	if size == 0 {
		size = 250
	}
	start := 0
	if t := r.URL.Query().Get("page_token"); t != "" {
		start = slices.Index(k.ids, t)
	}
	end := min(start+size, len(k.ids))
	link := fmt.Sprintf(`</admin/identities?page_size=%d&page_token=%s>; rel="first"`, size, k.ids[0])
	if end < len(k.ids) {
		link += fmt.Sprintf(`,</admin/identities?page_size=%d&page_token=%s>; rel="next"`, size, k.ids[end])
	}
	w.Header().Set("Link", link)
	w.Header().Set("Content-Type", "application/json")
	page := []map[string]any{}
	for _, id := range k.ids[start:end] {
		page = append(page, map[string]any{"id": id, "schema_id": "default", "schema_url": "", "traits": map[string]any{}})
	}
	_ = json.NewEncoder(w).Encode(page)
}

func identityIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
	}
	return ids
}

// Every identity comes once, in order, page by page, and the pager is
// done after the page whose Link header names no next one.
func TestIdentityPagerReadsEveryPage(t *testing.T) {
	for _, tt := range []struct {
		ids, size, wantPages int
	}{
		{7, 3, 3},
		{6, 3, 2},
		{1, 3, 1},
		{5, 0, 1}, // Kratos's default page size
	} {
		t.Run(fmt.Sprintf("%d by %d", tt.ids, tt.size), func(t *testing.T) {
			k := &pagedKratos{ids: identityIDs(tt.ids)}
			srv := httptest.NewServer(k)
			defer srv.Close()
			pages := NewIdentityPager(New(srv.URL), int64(tt.size))
			var got []string
			n := 0
			for !pages.Done() {
				page, _, err := pages.Next(t.Context())
				if err != nil {
					t.Fatalf("Next after %d pages: %v", n, err)
				}
				n++
				for _, ident := range page {
					got = append(got, ident.Id)
				}
			}
			if !slices.Equal(got, k.ids) || n != tt.wantPages {
				t.Errorf("listing %d identities %d to a page = %d pages %v, want %d pages %v", tt.ids, tt.size, n, got, tt.wantPages, k.ids)
			}
			if page, resp, err := pages.Next(t.Context()); page != nil || resp != nil || err != nil {
				t.Errorf("Next after the last page = %v, %v, %v; want nothing", page, resp, err)
			}
			if r := int(k.requests.Load()); r != tt.wantPages {
				t.Errorf("%d requests, want %d (none after the last page)", r, tt.wantPages)
			}
		})
	}
}

// A failed request returns Kratos's answer and leaves the pager on the
// same page, so calling Next again retries it: nothing is skipped.
func TestIdentityPagerRetriesAFailedPage(t *testing.T) {
	k := &pagedKratos{ids: identityIDs(5)}
	srv := httptest.NewServer(k)
	defer srv.Close()
	pages := NewIdentityPager(New(srv.URL), 2)
	var got []string
	for i := 0; !pages.Done(); i++ {
		if i == 1 {
			k.failNext.Store(true)
			page, resp, err := pages.Next(t.Context())
			if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError || page != nil {
				t.Fatalf("Next while Kratos fails = %v, %v, %v; want no page, its 500 and an error", page, resp, err)
			}
			if body := ErrorBody(err); body == "" {
				t.Errorf("ErrorBody(%v) is empty, want Kratos's answer", err)
			}
			if pages.Done() {
				t.Fatal("the pager is done after a failed request")
			}
		}
		page, _, err := pages.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, ident := range page {
			got = append(got, ident.Id)
		}
	}
	if !slices.Equal(got, k.ids) {
		t.Errorf("listing with one failed request = %v, want %v", got, k.ids)
	}
}

// A Kratos that cannot be reached gives no answer: resp is nil.
func TestIdentityPagerUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	pages := NewIdentityPager(New(url), 2)
	page, resp, err := pages.Next(t.Context())
	if err == nil || resp != nil || page != nil || pages.Done() {
		t.Errorf("Next against a closed port = %v, %v, %v, done %v; want an error, no answer, not done", page, resp, err, pages.Done())
	}
}

// An empty page ends the listing even when its Link header names another.
func TestIdentityPagerStopsOnAnEmptyPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", `</admin/identities?page_size=2&page_token=again>; rel="next"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	pages := NewIdentityPager(New(srv.URL), 2)
	if page, _, err := pages.Next(t.Context()); err != nil || len(page) != 0 || !pages.Done() {
		t.Errorf("Next on an empty page = %v, %v, done %v; want an empty page and done", page, err, pages.Done())
	}
}

func TestNextPageToken(t *testing.T) {
	for _, tt := range []struct{ link, want string }{
		{`</admin/identities?page_size=2&page_token=abc>; rel="first",</admin/identities?page_size=2&page_token=def>; rel="next"`, "def"},
		{`</admin/identities?page_size=2&page_token=abc>; rel="first"`, ""},
		{"", ""},
	} {
		resp := &http.Response{Header: http.Header{"Link": {tt.link}}}
		if got, err := NextPageToken(resp); got != tt.want || err != nil {
			t.Errorf("NextPageToken(Link: %s) = %q, %v; want %q", tt.link, got, err, tt.want)
		}
	}
}
