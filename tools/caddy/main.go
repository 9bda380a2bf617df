// Command caddy is WorkID's edge: Caddy v2 with its standard modules and
// WorkID's rate limiter (package limit), built from the Go module proxy
// like the other servers in bin/.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/workid/workid/tools/caddy/limit"
)

func main() {
	caddycmd.Main()
}
