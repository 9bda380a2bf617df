# WorkID's image: one static binary for `workid hooks`, `workid ui` and
# `workid reverify`, run as a non-root user, with the business-email lists
# and the default services file beside it. docker-compose.yml builds it.
#
# No Docker engine runs on the development machines, so this file is not
# built in CI; cmd/workid/compose_test.go checks what it can without one
# (pinned base images, a static build, a non-root user, the paths
# docker-compose.yml relies on).

# The domain lists, installed exactly as config/lists/package-lock.json pins
# them, with their install scripts disabled (as `make lists` does, and with
# the Node.js the development machines run it with).
FROM node:20.20.2-bookworm-slim AS lists
WORKDIR /lists
COPY config/lists/package.json config/lists/package-lock.json config/lists/.npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# A static binary (no cgo), so the final image needs no C library; the Go
# release the development machines use.
FROM golang:1.26.8-trixie AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/workid ./cmd/workid \
 && mkdir -m 1777 /out/tmp

# The edge (docker-compose.yml's edge service, `--target edge`): Caddy
# with WorkID's rate limiter, built from tools/caddy exactly as `make`
# builds bin/caddy (its go.sum pins Caddy v2.11.9), static like workid,
# whose binary comes along for the health check (`workid probe`).
FROM golang:1.26.8-trixie AS edge-build
WORKDIR /src
COPY tools/caddy/go.mod tools/caddy/go.sum ./
RUN go mod download
COPY tools/caddy/ ./
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/caddy . \
 && mkdir -m 0750 /out/data /out/config

FROM scratch AS edge
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=edge-build /out/caddy /usr/local/bin/caddy
COPY --from=build /out/workid /usr/local/bin/workid
# Caddy keeps its certificates and ACME account under XDG_DATA_HOME: a
# volume in docker-compose.yml, so they survive a new container.
COPY --from=edge-build --chown=65532:65532 /out/data /data
COPY --from=edge-build --chown=65532:65532 /out/config /config
ENV XDG_DATA_HOME=/data \
    XDG_CONFIG_HOME=/config
WORKDIR /etc/workid
USER 65532:65532
# HTTPS, HTTP (the redirect to HTTPS and ACME's challenge), metrics. An
# unprivileged user binds 443 and 80 because docker-compose.yml sets
# net.ipv4.ip_unprivileged_port_start=0 for the container.
EXPOSE 443 80 4401
ENTRYPOINT ["/usr/local/bin/caddy"]
CMD ["run", "--config", "/etc/workid/config/Caddyfile", "--adapter", "caddyfile"]

# WorkID's own image, the default target (the last stage).
# scratch rather than a distroless tag: scratch cannot move under us, and a
# static binary needs only the CA bundle (for https Kratos or Hydra URLs)
# and a /tmp (the job's lock file when no WORKID_REVERIFY_LOCK_DSN is set).
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build /out/workid /usr/local/bin/workid
COPY --from=lists /lists/node_modules /usr/share/workid/lists
COPY config/services.json config/brand.json /etc/workid/config/
COPY config/brand /etc/workid/config/brand
WORKDIR /etc/workid
# docker-compose.yml sets these too; they make the image work on its own.
ENV WORKID_LISTS_DIR=/usr/share/workid/lists \
    WORKID_SERVICES_FILE=/etc/workid/config/services.json \
    WORKID_BRAND_FILE=/etc/workid/config/brand.json \
    WORKID_LOG_FORMAT=json
# The UID and GID distroless calls nonroot; no passwd entry is needed.
USER 65532:65532
# UI, hooks, re-verification job, UI metrics.
EXPOSE 4455 4456 4457 4458
ENTRYPOINT ["/usr/local/bin/workid"]
