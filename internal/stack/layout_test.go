package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/workid/workid/config"
)

// defaultLayout is the development layout with the design's ports.
func defaultLayout() Layout {
	return Layout{
		Root: "../..", Bin: "bin", Data: ".workid",
		Ports: config.Ports{
			KratosPublic: 4433, KratosAdmin: 4434, HydraPublic: 4444, HydraAdmin: 4445,
			UI: 4455, UIMetrics: 4458, Hooks: 4456, MailpitSMTP: 1025, MailpitWeb: 8025,
			Edge: 4400, EdgeMetrics: 4401,
		},
	}
}

// Kratos and Hydra silently ignore an environment variable that names no
// setting, so every override must name a key of the configuration file.
// With the default ports, the overrides must also equal the file's values:
// kratos.yml and hydra.yml stay a true picture of development.
func TestOverridesMatchTheConfigurationFiles(t *testing.T) {
	secrets := Secrets{HooksKey: "hook-key", KratosCookie: "cookie", KratosCipher: "cipher", HydraSystem: "system"}
	l := defaultLayout()
	tests := []struct {
		file string
		env  []string
	}{
		{"../../kratos.yml", l.KratosEnv(secrets)},
		{"../../config/hydra.yml", l.HydraEnv(secrets)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := yaml.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			for _, kv := range tt.env {
				name, value, _ := strings.Cut(kv, "=")
				if strings.HasPrefix(name, "SECRETS_") {
					continue // secrets are never in the file
				}
				got, path, ok := LookupSetting(doc, strings.ToLower(name))
				if !ok {
					t.Errorf("%s names no setting in %s", name, tt.file)
					continue
				}
				if strings.HasSuffix(name, "_AUTH_CONFIG_VALUE") { // a key: a placeholder in the file
					continue // the hook key: a placeholder in the file
				}
				if !sameValue(got, value) {
					t.Errorf("%s=%s, but %s has %s: %v", name, value, tt.file, path, got)
				}
			}
		})
	}
}

func sameValue(file any, env string) bool {
	if list, ok := file.([]any); ok {
		var got []any
		return json.Unmarshal([]byte(env), &got) == nil && reflect.DeepEqual(got, list)
	}
	return fmt.Sprint(file) == env
}

// docker-compose.yml configures production through the same environment
// overrides: each must name a key of kratos.yml or hydra.yml, or the
// servers would silently ignore it.
func TestComposeOverridesNameRealKeys(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose map[string]any
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	for anchor, file := range map[string]string{"x-kratos-env": "../../kratos.yml", "x-hydra-env": "../../config/hydra.yml"} {
		env, ok := compose[anchor].(map[string]any)
		if !ok || len(env) == 0 {
			t.Fatalf("docker-compose.yml has no %s block", anchor)
		}
		fb, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(fb, &doc); err != nil {
			t.Fatal(err)
		}
		for name := range env {
			if strings.HasPrefix(name, "SECRETS_") {
				continue
			}
			if _, _, ok := LookupSetting(doc, strings.ToLower(name)); !ok {
				t.Errorf("docker-compose.yml %s sets %s, which names no setting in %s", anchor, name, file)
			}
		}
	}
}
