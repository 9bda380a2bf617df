# WorkID's image: one static, non-root binary for `workid hooks`, `workid ui`
# and (later) `workid reverify`, with the business-email lists beside it.
# docker-compose.yml builds it; no Docker engine runs on the development
# machines, so CI checks this file's companions, not the build.

# The lists, installed exactly as the lock file pins them, scripts disabled.
FROM node:20.18-bookworm-slim AS lists
WORKDIR /lists
COPY config/lists/package.json config/lists/package-lock.json config/lists/.npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/workid ./cmd/workid

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/workid /usr/local/bin/workid
COPY --from=lists /lists/node_modules /etc/workid/lists
ENV WORKID_LISTS_DIR=/etc/workid/lists WORKID_LOG_FORMAT=json
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/workid"]
