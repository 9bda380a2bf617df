module github.com/workid/workid

go 1.26.0

require (
	github.com/caarlos0/env/v11 v11.4.2 // indirect
	github.com/gorilla/mux v1.8.1 // indirect
	github.com/ory/hydra-client-go/v2 v2.2.1 // indirect
	github.com/ory/kratos-client-go v1.3.8 // indirect
	golang.org/x/mod v0.43.0 // indirect
	golang.org/x/oauth2 v0.21.0 // indirect
)
