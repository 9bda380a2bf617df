package hooks

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"

	"github.com/workid/workid/config"
)

// maxBody is the largest payload accepted from Kratos. A real one is well
// under 4 KiB; anything near this is not Kratos.
const maxBody = 64 << 10

// Kratos authenticates with the shared key as a bearer token (kratos.yml,
// web_hook auth api_key on the Authorization header, which Kratos keeps out
// of its logs).
const authScheme = "Bearer "

// Server answers Kratos's web hooks.
type Server struct {
	log *slog.Logger
	// keyHash is the SHA-256 of "Bearer <key>": comparing fixed-length
	// hashes in constant time leaks neither the key nor its length.
	keyHash [32]byte
}

// NewServer returns the hooks server's handler for cfg.
func NewServer(cfg config.Hooks, log *slog.Logger) http.Handler {
	s := &Server{log: log, keyHash: sha256.Sum256([]byte(authScheme + cfg.Key))}
	return s.routes()
}

// requireKey refuses requests that do not carry the shared key, with no
// detail about what was wrong.
func (s *Server) requireKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], s.keyHash[:]) != 1 {
			s.log.WarnContext(r.Context(), "hook call refused: missing or wrong key", "remote_addr", r.RemoteAddr)
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
