#!/bin/sh
# The official postgres image's contract, as far as docker-compose.yml uses it: on an empty
# data directory, a cluster whose superuser is POSTGRES_USER (password POSTGRES_PASSWORD) with
# a database POSTGRES_DB; then the server, with the arguments given.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s\n' "$POSTGRES_PASSWORD" > /tmp/pwfile
  # UTF-8, as the official image's cluster (a SQL_ASCII one hands psycopg bytes, not text)
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile=/tmp/pwfile --auth=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f /tmp/pwfile
  echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
    postgres --single -D "$PGDATA" postgres >/dev/null
fi
exec "$@"
