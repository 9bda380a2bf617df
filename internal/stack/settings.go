package stack

import (
	"fmt"
	"strings"
)

// LookupSetting finds the value that an Ory environment override's name
// (lower case, "_" for both "." and "_": "selfservice_flows_login_ui_url")
// addresses in doc, a parsed kratos.yml or hydra.yml, and its dotted path.
func LookupSetting(doc any, name string) (any, string, bool) {
	if name == "" {
		return doc, "", true
	}
	switch v := doc.(type) {
	case map[string]any:
		for key, child := range v {
			if name == key || strings.HasPrefix(name, key+"_") {
				if got, path, ok := LookupSetting(child, strings.TrimPrefix(strings.TrimPrefix(name, key), "_")); ok {
					return got, strings.TrimSuffix(key+"."+path, "."), true
				}
			}
		}
	case []any:
		for i, child := range v {
			idx := fmt.Sprint(i)
			if name == idx || strings.HasPrefix(name, idx+"_") {
				if got, path, ok := LookupSetting(child, strings.TrimPrefix(strings.TrimPrefix(name, idx), "_")); ok {
					return got, strings.TrimSuffix(idx+"."+path, "."), true
				}
			}
		}
	}
	return nil, "", false
}
