package selfserviceui

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/logging"
)

func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	healthz, readyz := httpserver.Health(map[string]httpserver.Check{
		"kratos": httpserver.HTTPCheck(s.client, s.cfg.Kratos.PublicURL+"/health/ready"),
		"hydra":  httpserver.HTTPCheck(s.client, s.cfg.Hydra.AdminURL+"/health/ready"),
	}, s.log)
	r.HandleFunc("/healthz", healthz).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/readyz", readyz).Methods(http.MethodGet, http.MethodHead)
	return logging.Middleware(r)
}
