#!/bin/sh
# Run once by the postgres image on an empty data folder: one database and
# one owner each for Kratos and Hydra, passwords from the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v kratos_pw="$KRATOS_DB_PASSWORD" -v hydra_pw="$HYDRA_DB_PASSWORD" <<'SQL'
CREATE USER kratos WITH PASSWORD :'kratos_pw';
CREATE DATABASE kratos OWNER kratos;
CREATE USER hydra WITH PASSWORD :'hydra_pw';
CREATE DATABASE hydra OWNER hydra;
SQL
