#!/usr/bin/env bash
# Makes the rulebook v1 databases the upgrade test starts from: the demo
# data set as "writ demo" made it in the last release before rulebook v2
# (commit 2cc9b11), on SQLite (writ.db.gz) and on PostgreSQL (a plain SQL
# dump without owners, schema or session settings, postgres.sql.gz, so that
# the test can load it into a schema of its own). Run from this folder with
# PostgreSQL at 127.0.0.1:5432; nothing here is needed to run the tests.
set -euo pipefail
release=2cc9b11
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"; git -C "$here" worktree remove --force "$work/src" 2>/dev/null || true' EXIT
git -C "$here" worktree add -q --detach "$work/src" "$release"
(cd "$work/src" && go build -o "$work/writ" ./cmd/writ)

(cd "$work" && ./writ demo --db "$work/writ.db" >/dev/null 2>&1)
gzip -9 -n -c "$work/writ.db" >writ.db.gz

db=writ_v1_demo_fixture
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
(cd "$work" && ./writ demo --db "postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" >/dev/null 2>&1)
pg_dump -h 127.0.0.1 -U postgres --no-owner --no-privileges --inserts --rows-per-insert=500 "$db" |
  python3 -c '
import re, sys
for line in sys.stdin:
    if line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config", "COMMENT ON")):
        continue
    if line.startswith("INSERT INTO public."):
        line = "INSERT INTO " + line[len("INSERT INTO public."):]
    elif not line.startswith(("INSERT", "    (", "\t")):
        line = re.sub(r"\bpublic\.", "", line)
    sys.stdout.write(line)
' | gzip -9 -n >postgres.sql.gz
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE $db"
