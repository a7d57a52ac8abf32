#!/usr/bin/env bash
# bench.sh [SCALE]
#
# End-to-end benchmark of the anonymize binary: generates a shop dump at the
# given scale (default 400, about 500 MB) with shopgen, then times two runs
# of the CLI over it — every table kept (the pass-through floor of the same
# reader and writer) and rules/shop.yaml — and prints throughput, peak RSS
# and the masked/pass-through ratio (target ≥ 0.70). No database is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${1:-400}
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

# Keep-all rules: every table with data, kept.
keep="$work/keep.yaml"
{
  echo "version: 1"
  echo "tables:"
  grep -a -o '^COPY [^ ]*' "$dump" | sort -u | while read -r _ table; do
    printf "  '%s': keep\n" "$table"
  done
} >"$keep"

# run NAME RULES: prints wall seconds, peak RSS (KB) and CPU seconds of one
# anonymize run.
run() {
  local name=$1 rules=$2 stats
  stats=$(ANONYMIZE_SECRET=bench-secret-0123456789 /usr/bin/time -f '%e %M %U %S' "$work/anonymize" --quiet \
    --rules "$rules" --in "$dump" --out /dev/null 2>&1 >/dev/null | tail -1)
  echo "$stats"
}

read -r pass_s pass_kb pass_u pass_sys < <(run pass "$keep")
read -r mask_s mask_kb mask_u mask_sys < <(run masked rules/shop.yaml)
read -r typ_s typ_kb typ_u typ_sys < <(run typical pipeline/testdata/bench-typical.yaml)

awk -v path="$dump" -v size="$size" -v ps="$pass_s" -v pk="$pass_kb" -v ms="$mask_s" -v mk="$mask_kb" \
    -v pu="$pass_u" -v psys="$pass_sys" -v mu="$mask_u" -v msys="$mask_sys" \
    -v ts="$typ_s" -v tk="$typ_kb" -v tu="$typ_u" -v tsys="$typ_sys" 'BEGIN {
  pcpu = pu + psys; mcpu = mu + msys; tcpu = tu + tsys
  mb = size / 1e6
  printf "dump:          %.0f MB (%s)\n", mb, path
  printf "pass-through:  %6.2f s  %7.1f MB/s  peak RSS %4.0f MB\n", ps, mb / ps, pk / 1024
  printf "shop rules:    %6.2f s  %7.1f MB/s  peak RSS %4.0f MB  (rules/shop.yaml: nearly every column masked)\n", ms, mb / ms, mk / 1024
  printf "typical rules: %6.2f s  %7.1f MB/s  peak RSS %4.0f MB  (pipeline/testdata/bench-typical.yaml: about a third)\n", ts, mb / ts, tk / 1024
  printf "masked/pass:   shop %.2f, typical %.2f (target >= 0.70)\n", ps / ms, ps / ts
  printf "masking cost:  shop %.1f, typical %.1f CPU-s per GB over pass-through (budget 15; both passes of the two-pass run included)\n", (mcpu - pcpu) / (mb / 1000), (tcpu - pcpu) / (mb / 1000)
}'
