package httpserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/workid/workid/config"
)

// KeyCheck checks the shared key another server sends as
// "Authorization: Bearer <key>" (Kratos to the hooks, Hydra to the UI's
// token hook). It keeps only the SHA-256 of the header it expects:
// comparing fixed-length hashes in constant time leaks neither the key
// nor its length.
type KeyCheck struct {
	want [32]byte
	set  bool
}

// NewKeyCheck returns the check for key. An empty key lets no request
// through.
func NewKeyCheck(key string) KeyCheck {
	return KeyCheck{want: sha256.Sum256([]byte(config.HooksAuthScheme + key)), set: key != ""}
}

// Allows reports whether r carries the key.
func (k KeyCheck) Allows(r *http.Request) bool {
	got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
	return subtle.ConstantTimeCompare(got[:], k.want[:]) == 1 && k.set
}
