#!/bin/sh
# Run by the postgres image when it first makes the database: the archive's role may stream the
# write-ahead log to a replica (docker-compose.yml's replica service), with its password.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
