// Package edgesuite is the integration suite of WorkID's edge: its tests
// (there is no other code) run through the real edge, bin/caddy with
// config/Caddyfile and WorkID's rate limiter (tools/caddy/limit), in
// front of the real UI, Kratos and Hydra (internal/stacktest).
//
// Every stack gives browsers the edge's address for everything, as
// `workid dev` does: Kratos's forms post through it, Hydra's issuer is it,
// mails link to it. This suite's stack keeps config/Caddyfile's limits
// (stacktest.Options.EdgeLimits), which the other packages' stacks lift.
// A journey (registration, the mailed link, single sign-on with an ID
// token) stays on the edge throughout.
//
// It covers the limits per client address as a browser meets them: the
// 11th sign-in attempt within a minute from one address is refused with
// a 429, Retry-After and the sign-in page saying "Too many attempts.
// Please wait a minute and try again."; another address is unaffected
// (a client bound to 127.0.0.2: Linux routes all of 127.0.0.0/8 to the
// loopback); an X-Forwarded-For from an untrusted client changes
// nothing, while one from a configured trusted proxy (127.0.0.3) is
// believed; the edge's metrics count what it refused; a real Chromium
// sees the message on the sign-in page.
//
// The limiter's own rules are unit-tested in tools/caddy/limit, and the
// Caddyfile's routes in tools/caddy.
package edgesuite
