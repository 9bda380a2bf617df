package kratosapi

import (
	"fmt"
	"strings"

	kratos "github.com/ory/kratos-client-go"
)

// VerifiableAddress is what AccountAddress reads of a verifiable address:
// Kratos's SDK type has it, and so can a caller's own decoding of the same
// JSON (the UI decodes identities into its own types).
type VerifiableAddress interface {
	GetVia() string
	GetValue() string
}

// AccountAddress returns the index in addrs of the account's address: the
// email address that is the identity's email trait, the one WorkID
// verifies, re-verifies and reports. Kratos keeps addresses in lower case
// and the trait as it was typed, so they are compared ignoring case. It
// returns -1 when the identity has no such address (one created without
// one, or whose trait has no address yet).
func AccountAddress[A any, P interface {
	*A
	VerifiableAddress
}](addrs []A, email string) int {
	for i := range addrs {
		a := P(&addrs[i])
		if a.GetVia() == "email" && strings.EqualFold(a.GetValue(), email) {
			return i
		}
	}
	return -1
}

// EmailTrait returns the identity's email trait, or "" when it has none.
func EmailTrait(ident *kratos.Identity) string {
	traits, _ := ident.Traits.(map[string]any)
	email, _ := traits["email"].(string)
	return email
}

// MetadataAdminOps is the JSON Patch that sets one key of an identity's
// metadata_admin and keeps its other keys (MetadataOps).
func MetadataAdminOps(metadataAdmin any, key string, value any) ([]kratos.JsonPatch, error) {
	return MetadataOps("metadata_admin", metadataAdmin, key, value)
}

// MetadataOps is the JSON Patch that sets one key of an identity's
// metadata field ("metadata_admin", "metadata_public") and keeps its other
// keys, creating the object when the identity has none (an "add" needs
// its parent). A field that is neither null nor an object belongs to
// someone else: it is never replaced, and the caller gets an error.
func MetadataOps(field string, current any, key string, value any) ([]kratos.JsonPatch, error) {
	switch current.(type) {
	case nil:
		return []kratos.JsonPatch{{Op: "add", Path: "/" + field, Value: map[string]any{key: value}}}, nil
	case map[string]any:
		return []kratos.JsonPatch{{Op: "add", Path: "/" + field + "/" + key, Value: value}}, nil
	}
	return nil, fmt.Errorf("%s is a %T, not an object: not touching it", field, current)
}
