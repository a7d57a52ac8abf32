#!/usr/bin/env bash
# bench-subset.sh [SCALE]
#
# Subsetting benchmark (make bench-subset): builds the shop at the given
# scale (default 800, about 1 GB of COPY text) as a plain dump and as a
# database, then, in one run, times the full anonymization and a 10% subset
# of the users with rules/shop.yaml, in file mode (--in dump --out file) and
# in live mode (--source db --target fresh db, -j 2). It prints wall time,
# client CPU and peak RSS of each, and the subset/full ratios: subsetting
# must take less time than the full copy in both modes.
#
# It starts its own PostgreSQL (scripts/with-postgres.sh) unless
# UNDERSTUDY_TEST_DATABASE_URL names one.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BENCH_SUBSET_INNER:-}" ]; then
  export BENCH_SUBSET_INNER=1
  exec ./scripts/with-postgres.sh "$0" "$@"
fi

scale=${1:-800}
work=$(mktemp -d "${TMPDIR:-/tmp}/understudy-bench-subset.XXXXXX")
trap 'rm -rf "$work"' EXIT
admin=$UNDERSTUDY_TEST_DATABASE_URL
export ANONYMIZE_SECRET=bench-secret-0123456789

go build -o "$work/anonymize" ./cmd/anonymize
go build -o "$work/shopgen" ./cmd/shopgen

url() { echo "$admin" | sed -E "s#/[^/?]*(\?|$)#/$1\1#"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "$admin" "$@"; }
fresh() { psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1 TEMPLATE template0"; }

echo "building the shop at scale $scale (dump and database)…" >&2
"$work/shopgen" -q --scale "$scale" --out "$work/shop.sql"
fresh bench_src
"$work/shopgen" -q --scale "$scale" --database "$(url bench_src)"
psql -X -q -d "$(url bench_src)" -c "VACUUM ANALYZE"
size=$(stat -c %s "$work/shop.sql")

# timed NAME CMD…: runs CMD under /usr/bin/time, prints "wall cpu rss".
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 || {
    echo "$name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$work/$name.time"
}
anon=("$work/anonymize" --quiet --rules rules/shop.yaml)

echo "file mode: full, then 10% of users…" >&2
read -r ff_w ff_c ff_r < <(timed file_full "${anon[@]}" --in "$work/shop.sql" --out "$work/full.sql")
rm -f "$work/full.sql"
read -r fs_w fs_c fs_r < <(timed file_subset "${anon[@]}" --in "$work/shop.sql" --out "$work/subset.sql" --subset public.users=10%)
rm -f "$work/subset.sql"
echo "live mode: full, then 10% of users…" >&2
read -r lf_w lf_c lf_r < <(timed live_full "${anon[@]}" --source "$(url bench_src)" --target "$(url bench_full)" --clean -j 2)
read -r ls_w ls_c ls_r < <(timed live_subset "${anon[@]}" --source "$(url bench_src)" --target "$(url bench_subset)" --clean -j 2 --subset public.users=10%)

awk -v size="$size" -v scale="$scale" \
    -v ffw="$ff_w" -v ffc="$ff_c" -v ffr="$ff_r" -v fsw="$fs_w" -v fsc="$fs_c" -v fsr="$fs_r" \
    -v lfw="$lf_w" -v lfc="$lf_c" -v lfr="$lf_r" -v lsw="$ls_w" -v lsc="$ls_c" -v lsr="$ls_r" 'BEGIN {
  printf "shop at scale %d: %.2f GB plain dump\n", scale, size / 1e9
  printf "%-28s %8s %11s %9s %13s\n", "", "wall s", "client CPU", "peak RSS", "subset/full"
  printf "%-28s %8.1f %10.1fs %7.0fMB\n", "file: full", ffw, ffc, ffr / 1024
  printf "%-28s %8.1f %10.1fs %7.0fMB %13.2f\n", "file: 10% of users", fsw, fsc, fsr / 1024, fsw / ffw
  printf "%-28s %8.1f %10.1fs %7.0fMB\n", "live -j2: full", lfw, lfc, lfr / 1024
  printf "%-28s %8.1f %10.1fs %7.0fMB %13.2f\n", "live -j2: 10% of users", lsw, lsc, lsr / 1024, lsw / lfw
}'
