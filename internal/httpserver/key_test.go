package httpserver

import (
	"net/http/httptest"
	"testing"
)

func TestKeyCheck(t *testing.T) {
	const key = "a-shared-key-of-32-characters-ok"
	tests := []struct {
		name, key, header string
		want              bool
	}{
		{"right key", key, "Bearer " + key, true},
		{"wrong key", key, "Bearer " + key + "x", false},
		{"key without the scheme", key, key, false},
		{"another scheme", key, "Basic " + key, false},
		{"no header", key, "", false},
		{"empty key, bare scheme", "", "Bearer ", false},
		{"empty key, no header", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if got := NewKeyCheck(tt.key).Allows(r); got != tt.want {
				t.Errorf("NewKeyCheck(%q).Allows(Authorization: %q) = %v, want %v", tt.key, tt.header, got, tt.want)
			}
		})
	}
}
