package kratosapi

import (
	"reflect"
	"testing"

	kratos "github.com/ory/kratos-client-go"
)

func TestAccountAddress(t *testing.T) {
	email := func(v string) kratos.VerifiableIdentityAddress {
		return kratos.VerifiableIdentityAddress{Via: "email", Value: v}
	}
	tests := []struct {
		name  string
		addrs []kratos.VerifiableIdentityAddress
		trait string
		want  int
	}{
		{"the only address", []kratos.VerifiableIdentityAddress{email("ann@acme.com")}, "ann@acme.com", 0},
		{"the trait as typed, the address in lower case", []kratos.VerifiableIdentityAddress{email("ann@acme.com")}, "Ann@ACME.com", 0},
		{"the trait's among others", []kratos.VerifiableIdentityAddress{email("old@acme.com"), email("ann@acme.com")}, "ann@acme.com", 1},
		{"an sms address with the same value is not it", []kratos.VerifiableIdentityAddress{{Via: "sms", Value: "ann@acme.com"}, email("ann@acme.com")}, "ann@acme.com", 1},
		{"no address for the trait", []kratos.VerifiableIdentityAddress{email("old@acme.com")}, "ann@acme.com", -1},
		{"no addresses", nil, "ann@acme.com", -1},
		{"no trait", []kratos.VerifiableIdentityAddress{email("ann@acme.com")}, "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AccountAddress(tt.addrs, tt.trait); got != tt.want {
				t.Errorf("AccountAddress(%v, %q) = %d, want %d", tt.addrs, tt.trait, got, tt.want)
			}
		})
	}
}

// A caller's own type of address works as Kratos's does.
type ownAddress struct{ via, value string }

func (a ownAddress) GetVia() string   { return a.via }
func (a ownAddress) GetValue() string { return a.value }

func TestAccountAddressOwnType(t *testing.T) {
	addrs := []ownAddress{{"email", "old@acme.com"}, {"email", "ann@acme.com"}}
	if got := AccountAddress(addrs, "ANN@acme.com"); got != 1 {
		t.Errorf("AccountAddress(%v, ANN@acme.com) = %d, want 1", addrs, got)
	}
}

func TestEmailTrait(t *testing.T) {
	tests := []struct {
		traits any
		want   string
	}{
		{map[string]any{"email": "ann@acme.com", "username": "ann"}, "ann@acme.com"},
		{map[string]any{"username": "ann"}, ""},
		{map[string]any{"email": 42}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := EmailTrait(&kratos.Identity{Traits: tt.traits}); got != tt.want {
			t.Errorf("EmailTrait(traits %v) = %q, want %q", tt.traits, got, tt.want)
		}
	}
}

func TestMetadataAdminOps(t *testing.T) {
	tests := []struct {
		name    string
		current any
		want    []kratos.JsonPatch
		wantErr bool
	}{
		{"no metadata yet", nil, []kratos.JsonPatch{{Op: "add", Path: "/metadata_admin", Value: map[string]any{"k": "v"}}}, false},
		{"other keys kept", map[string]any{"other": 1}, []kratos.JsonPatch{{Op: "add", Path: "/metadata_admin/k", Value: "v"}}, false},
		{"not an object", []any{"someone else's"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MetadataAdminOps(tt.current, "k", "v")
			if !reflect.DeepEqual(got, tt.want) || (err != nil) != tt.wantErr {
				t.Errorf("MetadataAdminOps(%v, k, v) = %+v, %v; want %+v, error %v", tt.current, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
