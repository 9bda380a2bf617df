package hooks

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/logging"
	"github.com/workid/workid/internal/metrics"
)

func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	// The hooks port is private (only Kratos calls it), so it serves the
	// metrics too. Ready needs nothing: Kratos calls the hooks, and waits
	// for them to be ready before it starts.
	healthz, readyz := httpserver.Health(nil, s.log)
	metrics.OpsRoutes(r, healthz, readyz, s.metrics.reg, s.log)

	r.Handle("/hooks/registration", s.requireKey(http.HandlerFunc(s.registration))).Methods(http.MethodPost)
	r.Handle("/hooks/settings", s.requireKey(http.HandlerFunc(s.settings))).Methods(http.MethodPost)
	if s.mail != nil {
		r.Handle("/hooks/settings/changed", s.requireKey(http.HandlerFunc(s.emailChanged))).Methods(http.MethodPost)
		r.Handle("/hooks/courier", s.requireKey(http.HandlerFunc(s.courier))).Methods(http.MethodPost)
	}

	if s.members != nil {
		// After Kratos saved an identity: the member index.
		for e := range numMemberEvents {
			r.Handle("/hooks/members/"+e.hookName(), s.requireKey(s.memberSaved(e))).Methods(http.MethodPost)
		}
	}

	r.Use(s.metrics.requests.Middleware)

	r.NotFoundHandler = s.metrics.requests.Unrouted("not_found", http.NotFoundHandler())
	r.MethodNotAllowedHandler = s.metrics.requests.Unrouted("method_not_allowed", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	}))
	return logging.Middleware(r)
}
