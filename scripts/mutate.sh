#!/usr/bin/env bash
# mutate.sh [-n|--dry-run] [PKG...] [-- GREMLINS_FLAGS...]
#
# Mutation testing with gremlins (github.com/go-gremlins/gremlins), one run per
# package, against a real PostgreSQL (scripts/with-postgres.sh starts a
# throwaway one unless UNDERSTUDY_TEST_DATABASE_URL is already set).
#
# PKG is a package directory relative to the repository root (default:
# $MUTATE_PACKAGES, else "rules pipeline masking outfile copytext cli").
# Flags after "--" go to `gremlins unleash` as is (e.g. -E 'regexp' to exclude
# files, --tags TAGS).
#
# --dry-run lists mutants and their coverage without running them (the test
# suite still runs once, to measure coverage).
#
# Per package it writes to $MUTATE_OUT (default bin/mutate/):
#   PKG.json         gremlins' machine-readable report
#   PKG.log          gremlins' console output (one line per mutant)
#   PKG.lived.txt    LIVED mutants, "path:line:col MUTATOR"
# and prints a summary table (also in summary.txt). Exits non-zero when a
# package misses MUTATE_EFFICACY (85) test efficacy or MUTATE_MCOVER (80)
# mutator coverage, or when gremlins fails (e.g. the tests fail unmutated).
#
#   test efficacy   = KILLED / (KILLED + LIVED)
#   mutator coverage = (KILLED + LIVED) / (KILLED + LIVED + NOT COVERED)
#                      (dry run: RUNNABLE / (RUNNABLE + NOT COVERED))
# TIMED OUT and NOT VIABLE mutants count in neither.
#
# Case expressions: gremlins judges coverage by `go test -coverprofile`
# blocks, which hold statements, never the expressions after `case`; every
# mutant there is NOT COVERED however often the tests evaluate it. After
# each gremlins pass, internal/mutcase runs those mutants itself (same
# mutation, same tests, same GOFLAGS and timeout) and rewrites their status
# in the report, marked "(case expression, run by mutcase)" in the log. A
# case the tests never reach then counts as LIVED, so this can only lower
# efficacy. MUTATE_CASES=0 keeps gremlins' figures as they are.
#
# Tuning (environment):
#   MUTATE_WORKERS=1              parallel mutants (each runs `go test PKG`)
#   MUTATE_TIMEOUT_COEFFICIENT=5  a mutant times out after this many times the
#                                 wall time of the unmutated coverage run
#   MUTATE_NICE=10                niceness of gremlins and the tests
#   MUTATE_OUT=bin/mutate         report directory
#   MUTATE_TOOLS=bin/tools        where gremlins is installed
#   UNDERSTUDY_SHARED_DIR=../shared   directory holding corpus/
#
# Split runs: a few packages (full_suite_files below; today masking) have
# exhaustive bijection and collision tests that take most of their suite's
# time and check only a sample under -short. Such a package runs in two
# gremlins passes whose reports merge into PKG.json:
#   PKG.short.{json,log}  files the exhaustive tests do not guard, with
#                         GOFLAGS=-short (every mutant runs the sampled suite)
#   PKG.full.{json,log}   the guarded files (masking: postcode ip credit_card
#                         username iban email fpe key), with the full suite
# MUTATE_SPLIT=0 runs such a package in one pass with the full suite (hours
# for masking). `make mutate` and `make mutate PKGS=masking` reproduce the
# figures in the commit log: every package with MUTATE_WORKERS=1.
#
# Do not pass --test-cpu: gremlins v0.6.0 hands it to go test as the single
# argument "-cpu N", which go test rejects, so every mutant counts as KILLED.
set -euo pipefail

GREMLINS_MODULE=github.com/go-gremlins/gremlins
GREMLINS_VERSION=v0.6.0

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit 2
}

orig_args=("$@")
dry_run=0
pkgs=()
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -n|--dry-run) dry_run=1 ;;
    -h|--help) usage ;;
    --) shift; extra=("$@"); break ;;
    -*) echo "mutate: unknown option $1 (gremlins flags go after --)" >&2; usage ;;
    *) p=${1#./}; p=${p%/}; pkgs+=("$p") ;;
  esac
  shift
done
if [ ${#pkgs[@]} -eq 0 ]; then
  read -r -a pkgs <<<"${MUTATE_PACKAGES:-rules pipeline masking outfile copytext cli}"
fi

# Packages with exhaustive tests that honour testing.Short(), and the files
# (without .go) those tests guard; see "Split runs" above.
declare -A full_suite_files=(
  [masking]='postcode ip credit_card username iban email fpe key'
)

workers=${MUTATE_WORKERS:-1}
coefficient=${MUTATE_TIMEOUT_COEFFICIENT:-5}
niceness=${MUTATE_NICE:-10}
min_efficacy=${MUTATE_EFFICACY:-85}
min_mcover=${MUTATE_MCOVER:-80}
out=${MUTATE_OUT:-$repo/bin/mutate}
tools=${MUTATE_TOOLS:-$repo/bin/tools}
gremlins=$tools/gremlins

command -v jq >/dev/null || { echo "mutate: jq is required to read gremlins' JSON reports" >&2; exit 1; }

# --- gremlins, pinned ---------------------------------------------------------
installed_version() {
  go version -m "$gremlins" 2>/dev/null | awk -v m="$GREMLINS_MODULE" '$1 == "mod" && $2 == m { print $3 }'
}
if [ "$(installed_version)" != "$GREMLINS_VERSION" ]; then
  echo "mutate: installing $GREMLINS_MODULE $GREMLINS_VERSION into $tools" >&2
  mkdir -p "$tools"
  GOBIN=$tools GOFLAGS= go install "$GREMLINS_MODULE/cmd/gremlins@$GREMLINS_VERSION"
  [ "$(installed_version)" = "$GREMLINS_VERSION" ] || { echo "mutate: $gremlins is not $GREMLINS_VERSION after install" >&2; exit 1; }
fi

# --- PostgreSQL: one throwaway server for all packages ------------------------
# with-postgres.sh runs this script again with UNDERSTUDY_TEST_DATABASE_URL set.
# It runs in its own session so that an interrupt reaches it exactly once, from
# here, as SIGTERM to the whole group (with-postgres.sh acts on a signal only
# after its child exits; the child stops gremlins and exits at once).
if [ -z "${UNDERSTUDY_TEST_DATABASE_URL:-}" ]; then
  setsid -w "$repo/scripts/with-postgres.sh" "$repo/scripts/mutate.sh" "${orig_args[@]}" &
  pg_pid=$!
  stop_all() {
    trap - INT TERM
    kill -TERM -- "-$pg_pid" 2>/dev/null || true
    wait "$pg_pid" 2>/dev/null || true
    exit "$1"
  }
  trap 'stop_all 130' INT
  trap 'stop_all 143' TERM
  if wait "$pg_pid"; then exit 0; else exit $?; fi
fi

# The case-expression runner (see "Case expressions" above), built without
# the passes' GOFLAGS (-short is a test flag).
mutcase=$tools/mutcase
mkdir -p "$tools"
(cd "$repo" && GOFLAGS= go build -o "$mutcase" ./internal/mutcase)

# --- shared corpus -------------------------------------------------------------
# internal/corpus finds the corpus at <source dir of corpus.go>/../../../shared
# (and schema's tests at ../../shared from the package directory), i.e. beside
# the module root. gremlins runs each mutant in a copy of the module at
# $TMPDIR/gremlins-NNN/wd-NNN, so the corpus must appear as
# $TMPDIR/gremlins-NNN/shared: a watcher links it there as soon as gremlins
# creates that directory (before its coverage run ends, well before the first
# mutant runs). Without it corpus tests would skip and their mutants survive.
shared=${UNDERSTUDY_SHARED_DIR:-$repo/../shared}
if [ -d "$shared/corpus" ]; then
  shared=$(cd "$shared" && pwd -P)
else
  echo "mutate: WARNING: no corpus at $shared/corpus; corpus tests will skip and mutants only they kill will show as LIVED" >&2
  shared=
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/understudy-mutate.XXXXXX")
gtmp=$work/tmp # TMPDIR of gremlins: its module copies live here
mkdir -p "$gtmp" "$out"

gpid= tpid= wpid=
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$gpid" ]; then
    # gremlins runs in its own session (setsid): its process group holds it
    # and every `go test` it started.
    kill -TERM -- "-$gpid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 -- "-$gpid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$gpid" 2>/dev/null || true
  fi
  for p in $tpid $wpid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "mutate: interrupted" >&2; exit 130' INT TERM

if [ -n "$shared" ]; then
  (
    trap - EXIT INT TERM
    while :; do
      for d in "$gtmp"/gremlins-*; do
        if [ -d "$d" ] && [ ! -e "$d/shared" ]; then
          ln -sfn "$shared" "$d/shared" || true
        fi
      done
      sleep 0.2
    done
  ) &
  wpid=$!
fi

# Coverage runs must not come from the test cache: gremlins times each mutant
# out at coefficient x the coverage run's wall time.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-count=1"

pct() { # pct NUM DEN -> percentage with one decimal, "n/a" when DEN is 0
  awk -v n="$1" -v d="$2" 'BEGIN { if (d == 0) print "n/a"; else printf "%.1f\n", 100 * n / d }'
}
ge() { # ge VALUE MIN (VALUE may be n/a)
  [ "$1" != n/a ] && awk -v v="$1" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }'
}

# run_pass TAG GOFLAGS GREMLINS_ARGS...: one gremlins run on $pkg with GOFLAGS
# in its environment, writing $out/$name$TAG.{json,log}; sets rc.
run_pass() {
  local tag=$1 goflags=$2
  shift 2
  local pjson=$out/$name$tag.json plog=$out/$name$tag.log
  rm -f "$pjson" "$plog"
  local args=(unleash "$repo/$pkg" --workers "$workers" --timeout-coefficient "$coefficient" -o "$pjson")
  [ "$dry_run" = 1 ] && args+=(--dry-run)
  args+=("$@" "${extra[@]}")
  echo "mutate: == $pkg${tag:+ ($tag)} ($mode; GOFLAGS=$goflags gremlins ${args[*]:1})" >&2
  : >"$plog"
  (cd "$repo" && GOFLAGS=$goflags TMPDIR=$gtmp exec setsid -w nice -n "$niceness" "$gremlins" "${args[@]}") >"$plog" 2>&1 </dev/null &
  gpid=$!
  tail -n +1 -f --pid="$gpid" "$plog" &
  tpid=$!
  if wait "$gpid"; then rc=0; else rc=$?; fi
  wait "$tpid" 2>/dev/null || true
  # A timed-out mutant's test binary outlives its killed `go test` by up to
  # the test -timeout; do not let it run on.
  kill -KILL -- "-$gpid" 2>/dev/null || true
  gpid= tpid=
  # gremlins removes its own work directory; remove what a crash left behind.
  rm -rf "${gtmp:?}"/gremlins-*
  if [ "$rc" -ne 0 ]; then
    echo "mutate: $pkg${tag:+ ($tag)}: gremlins exited $rc; see $plog" >&2
    return
  fi
  if [ "$dry_run" = 0 ] && [ "${MUTATE_CASES:-1}" != 0 ] && [ -s "$pjson" ]; then
    local cargs=(-report "$pjson" -pkg "$pkg" -root "$repo" -workers "$workers" -coefficient "$coefficient" -tmp "$gtmp")
    [ -n "$shared" ] && cargs+=(-shared "$shared")
    if ! (GOFLAGS=$goflags nice -n "$niceness" "$mutcase" "${cargs[@]}") 2>&1 | tee -a "$plog"; then
      rc=1
      echo "mutate: $pkg${tag:+ ($tag)}: mutcase failed; see $plog" >&2
    fi
  fi
}

rows=()
failed=0
mode=full
[ "$dry_run" = 1 ] && mode=dry-run
for pkg in "${pkgs[@]}"; do
  name=${pkg//\//_}
  json=$out/$name.json log=$out/$name.log lived_txt=$out/$name.lived.txt
  rm -f "$json" "$log" "$lived_txt"
  if ! ls "$repo/$pkg"/*.go >/dev/null 2>&1; then
    echo "mutate: $pkg: no Go package at $repo/$pkg" >&2
    rows+=("$pkg|$mode|-|-|-|-|-|-|-|-|0s|ERROR (no package)")
    failed=1
    continue
  fi

  start=$SECONDS
  split=${full_suite_files[$pkg]:-}
  [ "${MUTATE_SPLIT:-1}" = 0 ] && split=
  if [ -z "$split" ]; then
    run_pass "" "$GOFLAGS"
  else
    # Files the exhaustive tests guard: the full suite. Every other file:
    # -short. Each pass excludes the other's files; the reports merge.
    guarded=$(tr -s ' ' '|' <<<"$split")
    others=$(cd "$repo/$pkg" && ls -1 -- *.go | grep -v '_test\.go$' | sed 's/\.go$//' | grep -Evx "$guarded" | paste -sd'|' -)
    rm -f "$json" "$log"
    run_pass .short "$GOFLAGS -short" -E "^($guarded)\.go\$"
    if [ "$rc" -eq 0 ]; then
      run_pass .full "$GOFLAGS" -E "^($others)\.go\$"
    fi
    cat "$out/$name.short.log" "$out/$name.full.log" >"$log" 2>/dev/null || true
    parts=()
    for p in short full; do
      [ -s "$out/$name.$p.json" ] && parts+=("$out/$name.$p.json")
    done
    if [ "$rc" -eq 0 ] && [ ${#parts[@]} -gt 0 ]; then
      jq -s '{go_module: .[0].go_module, passes: [.[] | del(.files)], files: [.[].files[]]}' "${parts[@]}" >"$json"
    fi
  fi
  wall=$((SECONDS - start))
  wall_s=$(printf '%dm%02ds' $((wall / 60)) $((wall % 60)))

  if [ "$rc" -ne 0 ]; then
    rows+=("$pkg|$mode|-|-|-|-|-|-|-|-|$wall_s|ERROR (gremlins exit $rc)")
    failed=1
    continue
  fi
  if [ ! -s "$json" ]; then
    if grep -q 'No results to report' "$log"; then
      rows+=("$pkg|$mode|0|0|0|0|0|0|n/a|n/a|$wall_s|ok (no mutants)")
    else
      rows+=("$pkg|$mode|-|-|-|-|-|-|-|-|$wall_s|ERROR (no report)")
      failed=1
    fi
    continue
  fi

  read -r total killed lived notcov timedout notviable runnable < <(jq -r '
    [.files[].mutations[].status] as $s
    | def n(x): [$s[] | select(. == x)] | length;
      [($s | length), n("KILLED"), n("LIVED"), n("NOT COVERED"), n("TIMED OUT"), n("NOT VIABLE"), n("RUNNABLE")]
    | @tsv' "$json")
  jq -r --arg pkg "$pkg" '
    [.files[] | .file_name as $f | .mutations[] | select(.status == "LIVED")
      | {f: ($pkg + "/" + $f), line, column, type}]
    | sort_by(.f, .line, .column)[]
    | "\(.f):\(.line):\(.column) \(.type)"' "$json" >"$lived_txt"

  if [ "$dry_run" = 1 ]; then
    efficacy=n/a
    mcover=$(pct "$runnable" $((runnable + notcov)))
    killed=- lived=- timedout=-
    covered=$runnable
    if ge "$mcover" "$min_mcover"; then verdict="coverage ok"; else verdict="NO (coverage)"; failed=1; fi
  else
    efficacy=$(pct "$killed" $((killed + lived)))
    mcover=$(pct $((killed + lived)) $((killed + lived + notcov)))
    covered=$((killed + lived))
    miss=()
    ge "$efficacy" "$min_efficacy" || miss+=(efficacy)
    ge "$mcover" "$min_mcover" || miss+=(coverage)
    if [ $((killed + lived + notcov)) -eq 0 ]; then miss=() ; fi
    if [ ${#miss[@]} -eq 0 ]; then verdict=yes; else verdict="NO (${miss[*]})"; failed=1; fi
  fi
  rows+=("$pkg|$mode|$total|$covered|$killed|$lived|$notcov|$timedout|$efficacy|$mcover|$wall_s|$verdict")
done

{
  printf '\nMutation testing (gremlins %s, workers %s, timeout x%s): need efficacy >= %s%%, mutator coverage >= %s%%\n' \
    "$GREMLINS_VERSION" "$workers" "$coefficient" "$min_efficacy" "$min_mcover"
  fmt='%-10s %-8s %7s %7s %6s %5s %7s %8s %9s %9s %8s  %s\n'
  # shellcheck disable=SC2059
  printf "$fmt" package mode mutants covered killed lived not-cov timed-out efficacy% mcover% wall meets
  for r in "${rows[@]}"; do
    IFS='|' read -r -a c <<<"$r"
    # shellcheck disable=SC2059
    printf "$fmt" "${c[@]}"
  done
  printf 'Reports: %s/<package>.{json,log,lived.txt}\n' "$out"
} | tee "$out/summary.txt"

exit "$failed"
