package stack

import (
	"path/filepath"
	"strconv"
)

// EdgeEnv returns the {$WORKID_EDGE_...} placeholders that place
// config/Caddyfile in this layout: the edge on its loopback port in front
// of the UI, Kratos's public API and Hydra's public API. The limits keep
// the file's defaults unless the environment sets them.
func (l Layout) EdgeEnv() []string {
	p := l.Ports
	upstream := func(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
	return []string{
		"WORKID_EDGE_SITE=" + URL(p.Edge, ""),
		"WORKID_EDGE_BIND=127.0.0.1",
		"WORKID_EDGE_METRICS_PORT=" + strconv.Itoa(p.EdgeMetrics),
		"WORKID_EDGE_METRICS_BIND=127.0.0.1",
		"WORKID_EDGE_UI=" + upstream(p.UI),
		"WORKID_EDGE_KRATOS=" + upstream(p.KratosPublic),
		"WORKID_EDGE_HYDRA=" + upstream(p.HydraPublic),
		// Caddy keeps a little state (an instance id, locks) under these;
		// they belong in the data folder, not the user's home.
		"XDG_DATA_HOME=" + filepath.Join(l.Data, "caddy"),
		"XDG_CONFIG_HOME=" + filepath.Join(l.Data, "caddy"),
	}
}

// Edge is Caddy (bin/caddy, built from tools/caddy) running
// config/Caddyfile: the one origin for browsers, with WorkID's rate limits.
func (l Layout) Edge() Process {
	p := l.Ports
	return Process{
		Name:  "edge",
		Path:  filepath.Join(l.Bin, "caddy"),
		Args:  []string{"run", "--config", filepath.Join("config", "Caddyfile"), "--adapter", "caddyfile"},
		Env:   l.EdgeEnv(),
		Dir:   l.Root,
		Ports: []int{p.Edge, p.EdgeMetrics},
		Ready: httpReady(URL(p.EdgeMetrics, "/healthz"), "ok"),
	}
}

// EdgeMetricsURL is where the edge's Prometheus metrics are.
func (l Layout) EdgeMetricsURL() string { return URL(l.Ports.EdgeMetrics, "/metrics") }
