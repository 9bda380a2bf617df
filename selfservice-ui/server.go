package selfserviceui

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/workid/workid/config"
)

// Server serves the self-service UI.
type Server struct {
	cfg    config.UI
	log    *slog.Logger
	client *http.Client // for Kratos and Hydra; always with a timeout
}

// NewServer returns the UI server's handler for cfg.
func NewServer(cfg config.UI, log *slog.Logger) http.Handler {
	s := &Server{cfg: cfg, log: log, client: &http.Client{Timeout: 10 * time.Second}}
	return s.routes()
}
