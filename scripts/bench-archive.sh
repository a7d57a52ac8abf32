#!/usr/bin/env bash
# bench-archive.sh [SCALE [COMPRESS]]   (or COMPRESS=… in the environment)
#
# Archive benchmark (make bench-archive): builds the shop database at the
# given scale (default 800, about 1 GB of COPY text) with shopgen, dumps it
# as a custom (pg_dump -Fc) and a directory (pg_dump -Fd) archive, then, in
# one run, times
#   reference  pg_restore -f /dev/null of each archive
#   anonymize  --rules pipeline/testdata/bench-typical.yaml from each archive
#              to each output format: plain (a file), custom and directory,
#              archives with --compress the input's
# and prints, for each, wall time, MB/s of the archive's COPY text (measured
# once, pg_restore -a -f - | wc -c), client CPU, peak RSS and the ratio to
# that input's pg_restore -f /dev/null. Target (issue 10): peak RSS under
# 150 MB whatever the format, data blocks streaming.
#
# COMPRESS (default gzip) is the input archives' compression: gzip, none, or
# lz4 / zstd (these need pg_dump 16+). anonymize runs with its default -j
# (one per CPU).
#
# Disk: at scale 800 the cluster holds about 2 GB (tables and indexes), the
# two gzip archives a few hundred MB each, and one output at a time (the
# plain one about 1 GB; each is removed before the next run), so about 4 GB
# under $TMPDIR (default /tmp) at the peak. The script checks the free space
# first (about 5 MB per unit of scale) and stops if it is short.
#
# It starts its own PostgreSQL (scripts/with-postgres.sh) unless
# UNDERSTUDY_TEST_DATABASE_URL names one.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=${1:-800}
compress=${2:-${COMPRESS:-gzip}}
case $compress in
  gzip) zflag=() ;;
  none) zflag=(-Z0) ;;
  lz4 | zstd) zflag=(-Z "$compress") ;;
  *) echo "bench-archive: COMPRESS must be gzip, lz4, zstd or none, not $compress" >&2; exit 2 ;;
esac

if [ -z "${BENCH_ARCHIVE_INNER:-}" ]; then
  tmp=${TMPDIR:-/tmp}
  need_mb=$(( scale * 5 + 200 ))
  free_mb=$(df -Pm "$tmp" | awk 'NR == 2 {print $4}')
  echo "bench-archive: $free_mb MB free under $tmp, about $need_mb MB needed at scale $scale" >&2
  if [ "$free_mb" -lt "$need_mb" ]; then
    echo "bench-archive: not enough disk under $tmp; pick a smaller SCALE or another TMPDIR" >&2
    exit 1
  fi
  export BENCH_ARCHIVE_INNER=1
  exec ./scripts/with-postgres.sh "$0" "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/understudy-bench-archive.XXXXXX")
trap 'rm -rf "$work"' EXIT
admin=$UNDERSTUDY_TEST_DATABASE_URL
export ANONYMIZE_SECRET=bench-secret-0123456789
rules=pipeline/testdata/bench-typical.yaml

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

echo "pg_dump -Fc and -Fd ($compress)…" >&2
pg_dump -Fc "${zflag[@]}" -f "$work/in.dump" -d "$(url bench_src)"
pg_dump -Fd "${zflag[@]}" -f "$work/in.dir" -d "$(url bench_src)"
# The archives are all the runs need: drop the database to free its disk.
psql_admin -c "DROP DATABASE bench_src WITH (FORCE)"
custom_bytes=$(stat -c %s "$work/in.dump")
dir_bytes=$(du -sb "$work/in.dir" | cut -f1)
# The size of the data as COPY text, the unit of MB/s.
text_bytes=$(pg_restore -a -f - "$work/in.dump" | wc -c)

# timed NAME CMD…: runs CMD under /usr/bin/time, prints "wall cpu rss".
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/$name.time" "$@" >"$work/$name.log" 2>&1 || {
    echo "$name failed:" >&2; tail -20 "$work/$name.log" >&2; exit 1; }
  awk '{printf "%s %.2f %d\n", $1, $2 + $3, $4}' "$work/$name.time"
}

rows="$work/rows"
: >"$rows"
for input in custom directory; do
  case $input in
    custom) src=$work/in.dump ;;
    directory) src=$work/in.dir ;;
  esac
  echo "$input: pg_restore -f /dev/null…" >&2
  read -r ref_w ref_c ref_r < <(timed "ref_$input" pg_restore -f /dev/null "$src")
  echo "$input reference $ref_w $ref_c $ref_r $ref_w" >>"$rows"
  for out in plain custom directory; do
    dst=$work/out.$out
    flags=(--format "$out")
    [ "$out" = plain ] || flags+=(--compress "$compress")
    echo "$input → $out: anonymize…" >&2
    read -r w c r < <(timed "${input}_$out" "$work/anonymize" --quiet --rules "$rules" --in "$src" --out "$dst" "${flags[@]}")
    # A cheap check that an archive came out whole: its table of contents reads.
    if [ "$out" != plain ]; then
      pg_restore -l "$dst" >/dev/null || { echo "$input → $out: pg_restore -l of the output failed" >&2; exit 1; }
    fi
    rm -rf "$dst"
    echo "$input $out $w $c $r $ref_w" >>"$rows"
  done
done

awk -v tb="$text_bytes" -v cb="$custom_bytes" -v db="$dir_bytes" -v scale="$scale" -v z="$compress" '
BEGIN {
  printf "shop at scale %d: %.1f MB of COPY text; archives (%s): custom %.1f MB, directory %.1f MB\n",
    scale, tb / 1e6, z, cb / 1e6, db / 1e6
  printf "%-10s %-24s %8s %8s %11s %9s %12s\n", "input", "output", "wall s", "MB/s", "client CPU", "peak RSS", "x pg_restore"
}
{
  what = $2 == "reference" ? "pg_restore -f /dev/null" : "anonymize -> " $2
  w = $3 > 0 ? $3 : 0.01
  ref = $6 > 0 ? $6 : 0.01
  printf "%-10s %-24s %8.2f %8.1f %10.2fs %7.0fMB %12.2f\n", $1, what, $3, tb / 1e6 / w, $4, $5 / 1024, w / ref
  if ($2 != "reference" && $5 > peak) peak = $5
}
END {
  printf "target: anonymize peak RSS %.0f MB at most (< 150)\n", peak / 1024
}' "$rows"
