package selfserviceui

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/workid/workid/internal/logging"
	"github.com/workid/workid/internal/metrics"
)

// Handler returns every route of the UI with its middleware.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	metrics.OpsRoutes(r, s.healthz, s.readyz, nil, s.log) // the metrics are on the private address only
	r.PathPrefix("/static/").Handler(http.StripPrefix("/static/", staticFiles(s.notFound))).Methods(http.MethodGet, http.MethodHead)

	r.HandleFunc("/brand/style.css", s.brandStyle).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/brand/logo", s.brandLogo).Methods(http.MethodGet, http.MethodHead)

	r.HandleFunc("/", s.dashboard).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/login", s.showFlow(loginFlow)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/registration", s.showFlow(registrationFlow)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/recovery", s.showFlow(recoveryFlow)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/verification", s.showFlow(verificationFlow)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/settings", s.settings).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/error", s.showError).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/logout", s.logoutPage).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/logout", s.logout).Methods(http.MethodPost)
	r.HandleFunc("/verification/send", s.sendLink).Methods(http.MethodPost)
	// The pages mailed links open: a GET shows, only the button's POST acts.
	r.HandleFunc("/verify", s.showConfirm(verifyLink)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/verify", s.confirm(verifyLink)).Methods(http.MethodPost)
	r.HandleFunc("/recover", s.showConfirm(recoverLink)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/recover", s.confirm(recoverLink)).Methods(http.MethodPost)
	r.HandleFunc("/company", s.showCompany).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/company/people.csv", s.companyCSV).Methods(http.MethodGet)
	r.HandleFunc("/company/admins", s.changeAdmin).Methods(http.MethodPost)
	r.HandleFunc("/consent", s.consent).Methods(http.MethodGet)
	r.HandleFunc("/consent", s.decideConsent).Methods(http.MethodPost)
	r.HandleFunc("/language", s.setLanguage).Methods(http.MethodPost)
	// The page of a request the edge's rate limiter refused.
	r.HandleFunc("/limited", s.limited).Methods(http.MethodGet, http.MethodHead)

	r.Use(s.metrics.requests.Middleware)

	r.NotFoundHandler = s.metrics.requests.Unrouted("not_found", http.HandlerFunc(s.notFound))
	r.MethodNotAllowedHandler = s.metrics.requests.Unrouted("method_not_allowed", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusMethodNotAllowed, "error.method_heading", "error.method_text", "/", nil)
	}))
	// Posts come only from WorkID's own pages (Sec-Fetch-Site / Origin).
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Another site's form, or a script's: a warning, not an error.
		s.log.WarnContext(r.Context(), "cross-origin request refused", "method", r.Method, "path", r.URL.Path)
		s.fail(w, r, http.StatusForbidden, "error.cross_site_heading", "error.cross_site_text", "", nil)
	}))
	return logging.Middleware(s.secure(s.withLanguage(withNotice(csrf.Handler(r)))))
}
