package hooks

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/logging"
)

func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	healthz, readyz := httpserver.Health(nil, s.log)
	r.HandleFunc("/healthz", healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", readyz).Methods(http.MethodGet, http.MethodHead)

	r.Handle("/hooks/registration", s.requireKey(http.HandlerFunc(s.registration))).Methods(http.MethodPost)
	r.Handle("/hooks/settings", s.requireKey(http.HandlerFunc(s.settings))).Methods(http.MethodPost)

	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	})
	return logging.Middleware(r)
}
