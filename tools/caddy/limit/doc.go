// Package limit is WorkID's rate limiter for its edge, a Caddy handler
// module (http.handlers.workid_limit): at most a zone's events in any
// window per client address, a 429 with Retry-After beyond that.
//
// Caddy's own rate-limit plugin (mholt/caddy-ratelimit) is not served by
// the Go module proxy WorkID builds from, so this small module takes its
// place in WorkID's Caddy build (tools/caddy). It keeps the plugin's
// model, a sliding window per key: "10 sign-in attempts a minute" means
// exactly that in any minute, and all ten may come at once (the burst is
// the zone's events).
//
// The client address is the one Caddy determined for the request
// (caddyhttp.ClientIPVarKey): the connection's peer, or a forwarded
// header only when that peer is one of the server's trusted_proxies. A
// client cannot choose its address by sending X-Forwarded-For.
package limit
