#!/bin/sh
# Run once by the postgres image on an empty data folder (a volume that
# already holds a database skips it): one role and one database each for
# Kratos, Hydra and WorkID, passwords from the environment
# (docker-compose.yml passes them from .env).
#
# The workid database holds WorkID's companies and member index (its
# servers migrate it at start) and the re-verification job's advisory
# lock; the workid role has no way into Kratos's or Hydra's. cmd/workid/compose_test.go
# checks that the connection URLs in docker-compose.yml match these names.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v kratos_pw="$KRATOS_DB_PASSWORD" -v hydra_pw="$HYDRA_DB_PASSWORD" \
  -v workid_pw="$WORKID_DB_PASSWORD" <<'SQL'
CREATE USER kratos WITH PASSWORD :'kratos_pw';
CREATE DATABASE kratos OWNER kratos;
CREATE USER hydra WITH PASSWORD :'hydra_pw';
CREATE DATABASE hydra OWNER hydra;
CREATE USER workid WITH PASSWORD :'workid_pw';
CREATE DATABASE workid OWNER workid;
-- Every role may connect to every database by default; keep each to its own.
REVOKE CONNECT, TEMPORARY ON DATABASE kratos, hydra, workid FROM PUBLIC;
SQL
