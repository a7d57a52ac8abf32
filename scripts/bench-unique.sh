#!/usr/bin/env bash
# bench-unique.sh [ROWS]
#
# Peak memory of the anonymize binary masking one generated table of ROWS
# rows (default 20,000,000) whose unique email column is masked with email:
# every row's fingerprint is checked for collisions, in a bounded memory
# budget past which fingerprints spill to sorted runs on disk, merge-checked
# before the output is committed. Reports the peak RSS (target < 150 MB at
# any size), the peak of the same run without the UNIQUE constraint, and
# the wall time (BenchmarkUniqueKeys in pipeline/, a child process per run).
# The dumps (about 50 bytes a row) are generated once into $TMPDIR; the
# spilled runs take about 24 bytes a row there during the run.
set -euo pipefail
cd "$(dirname "$0")/.."

export UNDERSTUDY_BENCH_UNIQUE_ROWS=${1:-20000000}
go test -run '^$' -bench 'BenchmarkUniqueKeys' -benchtime 1x -timeout 120m ./pipeline/
