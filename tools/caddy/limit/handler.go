package limit

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
)

// Caddy's module API registers modules and Caddyfile directives from
// init: the one side effect of importing this package.
func init() {
	caddy.RegisterModule(Handler{})
	httpcaddyfile.RegisterHandlerDirective("workid_limit", parseCaddyfile)
	// Limits apply before anything answers or proxies a request.
	httpcaddyfile.RegisterDirectiveOrder("workid_limit", httpcaddyfile.Before, "basic_auth")
}

// ZoneVarKey is the request variable ({http.vars.workid_limit_zone}) that
// names the zone that refused a request, for error routes and logs.
const ZoneVarKey = "workid_limit_zone"

// DefaultMaxKeys is how many client addresses a zone tracks by default.
const DefaultMaxKeys = 100_000

// Handler limits requests per client address: at most Events in any
// Window. A refused request ends with a 429 error and Retry-After (whole
// seconds) for the server's error routes (handle_errors) to answer.
//
// Handlers that name the same zone with the same limits share one
// window, also across config reloads.
type Handler struct {
	// Zone names the limit in metrics and logs: letters, digits and _.
	Zone string `json:"zone"`
	// Events is how many requests an address may make in any Window.
	Events int `json:"events"`
	// Window is the length of the sliding window.
	Window caddy.Duration `json:"window"`
	// MaxKeys bounds how many addresses the zone tracks (DefaultMaxKeys).
	MaxKeys int `json:"max_keys,omitempty"`

	zone    *zone
	poolKey string
	limited prometheus.Counter
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.workid_limit",
		New: func() caddy.Module { return new(Handler) },
	}
}

var zoneName = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// Validate reports every problem with the handler's settings at once.
func (h *Handler) Validate() error {
	var errs []error
	if !zoneName.MatchString(h.Zone) {
		errs = append(errs, fmt.Errorf("zone %q: want 1 to 64 lower-case letters, digits or _", h.Zone))
	}
	if h.Events < 1 {
		errs = append(errs, fmt.Errorf("zone %s: events %d: want at least 1", h.Zone, h.Events))
	}
	if time.Duration(h.Window) <= 0 {
		errs = append(errs, fmt.Errorf("zone %s: window %v: want more than 0", h.Zone, time.Duration(h.Window)))
	}
	if h.MaxKeys < 0 {
		errs = append(errs, fmt.Errorf("zone %s: max_keys %d: want at least 1", h.Zone, h.MaxKeys))
	}
	return errors.Join(errs...)
}

// Provision joins (or creates) the handler's zone and its metric.
func (h *Handler) Provision(ctx caddy.Context) error {
	if h.MaxKeys == 0 {
		h.MaxKeys = DefaultMaxKeys
	}
	if err := h.Validate(); err != nil {
		return err
	}
	h.poolKey = fmt.Sprintf("%s/%d/%d/%d", h.Zone, h.Events, h.Window, h.MaxKeys)
	v, _, err := zones.LoadOrNew(h.poolKey, func() (caddy.Destructor, error) {
		return newZone(NewWindow(h.Events, time.Duration(h.Window), h.MaxKeys, time.Now)), nil
	})
	if err != nil {
		return err
	}
	h.zone = v.(*zone)
	counter, err := limitedCounter(ctx.GetMetricsRegistry())
	if err != nil {
		return err
	}
	h.limited = counter.WithLabelValues(h.Zone)
	return nil
}

// Cleanup leaves the zone; the last handler of a zone stops it.
func (h *Handler) Cleanup() error {
	if h.poolKey == "" {
		return nil
	}
	_, err := zones.Delete(h.poolKey)
	return err
}

// ServeHTTP lets the request on, or ends it with a 429 error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	ok, wait := h.zone.window.Allow(clientKey(r))
	if ok {
		return next.ServeHTTP(w, r)
	}
	h.limited.Inc()
	// A refused request's body (a password, say) goes no further: the
	// error routes see this request, and may show a page for it.
	r.Body, r.ContentLength = http.NoBody, 0
	r.Header.Del("Content-Length")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	caddyhttp.SetVar(r.Context(), ZoneVarKey, h.Zone)
	return caddyhttp.Error(http.StatusTooManyRequests, fmt.Errorf("rate limit of zone %s reached", h.Zone))
}

// retryAfterSeconds rounds wait up to whole seconds, at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int(math.Ceil(wait.Seconds())))
}

// clientKey is the address the request is limited by: the client IP
// Caddy determined (the peer, or a trusted proxy's forwarded address),
// with an IPv6 address cut to its /64, the block one subscriber holds.
func clientKey(r *http.Request) string {
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		// Caddy always sets the variable; without it every request
		// shares one key, which fails closed.
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// parseCaddyfile reads
//
//	workid_limit [<matcher>] {
//		zone     <name>
//		events   <n>
//		window   <duration>
//		max_keys <n>
//	}
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var l Handler
	err := l.UnmarshalCaddyfile(h.Dispenser)
	return &l, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		key := d.Val()
		var val string
		if !d.AllArgs(&val) {
			return d.ArgErr()
		}
		switch key {
		case "zone":
			h.Zone = val
		case "events", "max_keys":
			n, err := strconv.Atoi(val)
			if err != nil {
				return d.Errf("%s %q: not a whole number", key, val)
			}
			if key == "events" {
				h.Events = n
			} else {
				h.MaxKeys = n
			}
		case "window":
			dur, err := caddy.ParseDuration(val)
			if err != nil {
				return d.Errf("window %q: %v", val, err)
			}
			h.Window = caddy.Duration(dur)
		default:
			return d.Errf("unknown workid_limit setting %q", key)
		}
	}
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddyfile.Unmarshaler       = (*Handler)(nil)
)
