#!/usr/bin/env bash
# bench-rows.sh [ROW_MB]
#
# Peak memory of the anonymize binary on dumps holding one huge item: a COPY
# row of ROW_MB MiB (default 100) whose huge column passes through or is
# masked (lorem, scrub), three such rows in a row (copy-lorem-x3; the ratio
# is to one row), and a statement of half that size — an INSERT whose huge
# literal passes through or is masked, a CREATE FUNCTION. Each run is a
# child process (BenchmarkHugeItems in pipeline/) whose peak RSS is read
# from its rusage; the ratio peak RSS / item size should stay under 3.
# "base" is the peak of the same dump with a 1 KiB item: the process's
# fixed cost. The dumps are generated once into $TMPDIR. No database is
# needed; `make bench` runs the same benchmark among the others.
# UNDERSTUDY_BENCH_ANONYMIZE=path/to/anonymize measures that binary instead
# of one built from this tree (e.g. an older version, for comparison).
set -euo pipefail
cd "$(dirname "$0")/.."

export UNDERSTUDY_BENCH_ROW_MB=${1:-100}
go test -run '^$' -bench 'BenchmarkHugeItems' -benchtime 1x -timeout 60m ./pipeline/ | awk '
/^BenchmarkHugeItems\// {
  name = $1; sub(/^BenchmarkHugeItems\//, "", name); sub(/-[0-9]+$/, "", name)
  for (i = 3; i < NF; i += 2) m[$(i + 1)] = $i
  if (!header++) printf "%-18s %9s %10s %9s %10s %12s %8s\n", "item", "item MiB", "peak MiB", "base MiB", "RSS/item", "(RSS-base)/", "s/run"
  printf "%-18s %9.0f %10.1f %9.1f %10.2f %12.2f %8.1f\n", name, m["item-MiB"], m["peak-RSS-MiB"], m["base-RSS-MiB"], m["RSS/item"], m["(RSS-base)/item"], m["s/run"]
  next
}
/^(FAIL|---|panic)/ || /_test.go/ { print; fail = 1 }
END { exit fail }'
