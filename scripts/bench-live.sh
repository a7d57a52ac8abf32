#!/usr/bin/env bash
# bench-live.sh [SCALE]
#
# Live-mode benchmark (make bench-live): builds the shop database at the
# given scale (default 800, about 1 GB of COPY text) with shopgen, then, in
# one run and each into a fresh database, times
#   floor     pg_dump -Fd -j 2 -Z0, then pg_restore -j 2 (the physical floor)
#   psql      pg_dump | psql
#   typical   anonymize --source … --target … -j 2 with pipeline/testdata/bench-typical.yaml
#   shop      the same with rules/shop.yaml
# and prints wall time, client CPU, peak RSS, each ratio to the floor and
# the masking CPU per GB of COPY text. Targets: typical within 1.15× of the
# floor, at most 15 client CPU-s per GB, peak RSS under 150 MB.
#
# It starts its own PostgreSQL (scripts/with-postgres.sh) unless
# UNDERSTUDY_TEST_DATABASE_URL names one.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BENCH_LIVE_INNER:-}" ]; then
  export BENCH_LIVE_INNER=1
  exec ./scripts/with-postgres.sh "$0" "$@"
fi

scale=${1:-800}
jobs=2
work=$(mktemp -d "${TMPDIR:-/tmp}/understudy-bench-live.XXXXXX")
trap 'rm -rf "$work"' EXIT
admin=$UNDERSTUDY_TEST_DATABASE_URL

go build -o "$work/anonymize" ./cmd/anonymize
go build -o "$work/shopgen" ./cmd/shopgen

# url DB: the admin URL with another database.
url() { echo "$admin" | sed -E "s#/[^/?]*(\?|$)#/$1\1#"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$admin" "$@"; }
fresh() { psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1 TEMPLATE template0"; }

echo "building the shop database at scale $scale…" >&2
fresh bench_src
"$work/shopgen" -q --scale "$scale" --database "$(url bench_src)"
psql -X -q -d "$(url bench_src)" -c "VACUUM ANALYZE"
copy_bytes=$(psql -X -At -d "$(url bench_src)" -c "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'")
# The size of the data as COPY text, the unit of the CPU budget.
text_bytes=$(pg_dump -a -d "$(url bench_src)" | wc -c)

# timed NAME CMD…: runs CMD under /usr/bin/time, prints "wall cpu rss".
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 || {
    echo "$name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$work/$name.time"
}

echo "floor: pg_dump -Fd -j $jobs -Z0 + pg_restore -j $jobs…" >&2
fresh bench_floor
read -r d_wall d_cpu d_rss < <(timed dump pg_dump -Fd -j "$jobs" -Z0 -f "$work/dir" -d "$(url bench_src)")
read -r r_wall r_cpu r_rss < <(timed restore pg_restore -j "$jobs" -d "$(url bench_floor)" "$work/dir")
floor=$(awk -v a="$d_wall" -v b="$r_wall" 'BEGIN {print a + b}')

echo "pg_dump | psql…" >&2
fresh bench_psql
read -r p_wall p_cpu p_rss < <(timed psql bash -c "pg_dump -d '$(url bench_src)' | psql -X -q -v ON_ERROR_STOP=1 -d '$(url bench_psql)'")

anon() {
  local name=$1 rules=$2
  ANONYMIZE_SECRET=bench-secret-0123456789 timed "$name" "$work/anonymize" --quiet --rules "$rules" \
    --source "$(url bench_src)" --target "$(url "bench_$name")" --clean -j "$jobs"
}
echo "anonymize, typical rules…" >&2
read -r t_wall t_cpu t_rss < <(anon typical pipeline/testdata/bench-typical.yaml)
echo "anonymize, shop rules…" >&2
read -r s_wall s_cpu s_rss < <(anon shop rules/shop.yaml)

awk -v tb="$text_bytes" -v cb="$copy_bytes" -v floor="$floor" -v dw="$d_wall" -v rw="$r_wall" \
    -v pw="$p_wall" -v pc="$p_cpu" -v pr="$p_rss" -v tw="$t_wall" -v tc="$t_cpu" -v tr="$t_rss" \
    -v sw="$s_wall" -v sc="$s_cpu" -v sr="$s_rss" -v scale="$scale" 'BEGIN {
  gb = tb / 1e9
  printf "shop at scale %d: %.2f GB of COPY text, %.2f GB of table heap\n", scale, gb, cb / 1e9
  printf "%-34s %8s %10s %9s %9s\n", "", "wall s", "x floor", "client CPU", "peak RSS"
  printf "%-34s %8.1f %10s %9s %9s\n", "floor (pg_dump -Fd + pg_restore -j2)", floor, "1.00", "-", "-"
  printf "%-34s %8.1f %10.2f %8.1fs %7.0fMB\n", "pg_dump | psql", pw, pw / floor, pc, pr / 1024
  printf "%-34s %8.1f %10.2f %8.1fs %7.0fMB\n", "anonymize -j2, typical rules", tw, tw / floor, tc, tr / 1024
  printf "%-34s %8.1f %10.2f %8.1fs %7.0fMB\n", "anonymize -j2, shop rules", sw, sw / floor, sc, sr / 1024
  printf "floor split: pg_dump %.1f s, pg_restore %.1f s\n", dw, rw
  printf "client CPU per GB of COPY text: typical %.1f, shop %.1f (budget 15)\n", tc / gb, sc / gb
  printf "targets: typical/floor %.2f (<= 1.15), peak RSS typical %.0f MB, shop %.0f MB (< 150)\n", tw / floor, tr / 1024, sr / 1024
}'
