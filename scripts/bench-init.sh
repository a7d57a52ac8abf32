#!/usr/bin/env bash
# bench-init.sh [SCALE]
#
# init benchmark (make bench-init): generates a plain shop dump at the given
# scale (default 850, about 1 GB) with shopgen, then times
#   floor  cat DUMP > /dev/null (reading the file once, from the page cache)
#   init   anonymize init --in DUMP (reads the schema, then the first 1000
#          rows of each COPY block; the rest of each block is skipped
#          without decoding)
#   check  anonymize check of the generated rules against the same dump
# and prints wall time, client CPU and peak RSS of each. Sampling is bounded:
# init's peak RSS does not grow with the dump. A plain dump is read twice by
# any run (schema, then data), which is the floor init sits on; from a live
# database init asks for 1000 rows per table instead. No database is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${1:-850}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/understudy-bench}
mkdir -p "$work"
dump="$work/shop-$scale.sql"

go build -o "$work/anonymize" ./cmd/anonymize
go build -o "$work/shopgen" ./cmd/shopgen
if [ ! -s "$dump" ]; then
  echo "generating $dump (scale $scale)…" >&2
  "$work/shopgen" -q --scale "$scale" --out "$dump"
fi
size=$(wc -c <"$dump")
rules="$work/init-$scale.yaml"

# measure NAME CMD…: wall seconds, CPU seconds, peak RSS.
measure() {
  local name=$1 stats
  shift
  /usr/bin/time -o "$work/time.txt" -f '%e %U %S %M' "$@" >/dev/null 2>&1
  read -r wall user sys rss <"$work/time.txt"
  printf '%-6s %8.2f s wall %8.2f s CPU %8.1f MB peak RSS\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $rss / 1024" | bc)"
}

cat "$dump" >/dev/null # warm the page cache
printf 'bench-init: %s, %.1f MB (scale %s)\n' "$dump" "$(echo "scale=1; $size / 1000000" | bc)" "$scale"
measure floor cat "$dump"
measure init "$work/anonymize" init --in "$dump" --out "$rules" --force
measure check "$work/anonymize" check --rules "$rules" --in "$dump"
"$work/anonymize" init --in "$dump" --out "$rules" --force 2>&1 | sed 's/^/bench-init: /' >&2
