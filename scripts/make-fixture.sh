#!/usr/bin/env bash
# make-fixture.sh
#
# Regenerates testdata/fixtures/shop.sql: generates the shop database at the
# default seed and scale into a fresh database, then dumps it with the real
# pg_dump in its default plain format, exactly as a production dump would be
# made. Run it through with-postgres.sh (`make fixture`), which provides the
# server and puts matching client programs on PATH.
set -euo pipefail

cd "$(dirname "$0")/.."
admin=${UNDERSTUDY_TEST_DATABASE_URL:?run through scripts/with-postgres.sh (make fixture)}
out=testdata/fixtures/shop.sql
limit=$((2 * 1024 * 1024))

# The database URL is the admin URL with another database name in its path.
base=${admin%%\?*}
query=${admin#"$base"}
db=shopgen_fixture_$$
url="${base%/*}/$db$query"

psql -X -q -v ON_ERROR_STOP=1 -d "$admin" -c "CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8'"
trap 'psql -X -q -d "$admin" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -f "$out.tmp"' EXIT

go run ./cmd/shopgen -q --database "$url"
# Timestamps are printed in the session time zone; pin it so the dump does
# not depend on the machine it was made on.
PGTZ=UTC pg_dump --dbname="$url" --file="$out.tmp"

size=$(wc -c <"$out.tmp")
if [ "$size" -gt "$limit" ]; then
  echo "make-fixture: $out would be $size bytes, over the $limit-byte budget" >&2
  exit 1
fi
mv "$out.tmp" "$out"
echo "make-fixture: wrote $out ($size bytes, $(pg_dump --version))" >&2
