package reverify

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/workid/workid/internal/httpserver"
	"github.com/workid/workid/internal/logging"
	"github.com/workid/workid/internal/metrics"
)

// OpsHandler serves the scheduled job's operations address: /healthz,
// /readyz (Kratos's admin API at kratosAdminURL answers) and /metrics
// from reg.
func OpsHandler(reg *prometheus.Registry, kratosAdminURL string, log *slog.Logger) http.Handler {
	client := &http.Client{Timeout: 5 * time.Second}
	healthz, readyz := httpserver.Health(map[string]httpserver.Check{
		"kratos": httpserver.HTTPCheck(client, kratosAdminURL+"/admin/health/ready"),
	}, log)
	r := mux.NewRouter()
	metrics.OpsRoutes(r, healthz, readyz, reg, log)
	return logging.Middleware(r)
}
