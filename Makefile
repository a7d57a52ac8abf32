# Understudy — see README.md.
GO ?= go
PG := ./scripts/with-postgres.sh
BIN := bin

.PHONY: build test vet fuzz bench bench-live bench-subset bench-archive bench-init bench-unique fixture fixture-ci mutate clean

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# Starts a throwaway PostgreSQL (or uses $$UNDERSTUDY_TEST_DATABASE_URL) and
# runs every test against it; the server is stopped even when tests fail.
test: vet
	$(PG) $(GO) test -count=1 -timeout 30m ./...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { gofmt -l . ; echo "gofmt: files above need formatting" >&2; exit 1; }
	$(GO) vet ./...

# The masker fuzz target beyond its seeds (which go test runs every time):
# FUZZTIME per run, on one core. New findings land in
# masking/testdata/fuzz/FuzzMaskers; commit them with the fix.
FUZZTIME ?= 60s
fuzz:
	$(GO) test ./masking -run '^$$' -fuzz '^FuzzMaskers$$' -fuzztime $(FUZZTIME) -parallel 1

# Benchmarks print MB/s and ratios; they never gate CI.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...

# Live mode end to end against real PostgreSQL (default scale ≈ 1 GB of COPY
# text): the physical floor, pg_dump | psql and anonymize, in one run.
bench-live:
	./scripts/bench-live.sh $(SCALE)

# Subsetting 10% of the users against the full copy, file and live mode,
# in one run (default scale ≈ 1 GB of COPY text).
bench-subset:
	./scripts/bench-subset.sh $(SCALE)

# Unique keys in bounded memory: a generated table of ROWS rows (default
# 20 M) with a unique email column masked by email; peak RSS (< 150 MB).
bench-unique:
	./scripts/bench-unique.sh $(ROWS)

# Archives: pg_restore -f /dev/null of a custom and a directory archive, and
# anonymize from each to plain, custom and directory, in one run: MB/s, peak
# RSS (< 150 MB), ratio to pg_restore (default scale ≈ 1 GB of COPY text;
# COMPRESS=gzip|lz4|zstd|none the archives' compression, default gzip).
bench-archive:
	COMPRESS=$(COMPRESS) ./scripts/bench-archive.sh $(SCALE)

# anonymize init and check on a generated plain dump (default scale 850,
# about 1 GB): wall time, CPU and peak RSS against reading the file once.
bench-init:
	./scripts/bench-init.sh $(SCALE)

# Regenerates testdata/fixtures/shop.sql with real pg_dump from a freshly
# generated shop database.
fixture:
	$(PG) ./scripts/make-fixture.sh

# The curated CI fixture: 10% of the shop's users plus pinned edge cases
# (a non-ASCII name, an avatar, notes, a webhook URL, an apostrophe), and
# everything they touch, masked with rules/shop.yaml under a fixed
# fixture secret (the shop is synthetic). Load it and rehearse migrations:
#   psql -1 -v ON_ERROR_STOP=1 -d ci -f bin/shop.ci.sql
#   psql -1 -v ON_ERROR_STOP=1 -d ci -f testdata/migrations/rehearsal.sql
FIXTURE_CI_SECRET ?= understudy-ci-fixture-secret
fixture-ci:
	@mkdir -p $(BIN)
	ANONYMIZE_SECRET=$(FIXTURE_CI_SECRET) $(GO) run ./cmd/anonymize --rules rules/shop.yaml \
		--in testdata/fixtures/shop.sql --out $(BIN)/shop.ci.sql \
		--subset public.users=10% --pin public.users=3,5,10,26,181

# Mutation testing (gremlins v0.6.0) against a throwaway PostgreSQL; reports
# in bin/mutate/. PKGS narrows the packages; MUTATE_FLAGS=--dry-run only counts
# mutants and coverage; gremlins flags go after --, e.g. MUTATE_FLAGS='-- -D origin/main'.
mutate:
	./scripts/mutate.sh $(PKGS) $(MUTATE_FLAGS)

clean:
	rm -rf $(BIN)
