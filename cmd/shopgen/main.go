// Command shopgen generates the deterministic "shop" database used as the
// project's fixture and benchmark data, either into a live database or as a
// plain SQL script.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/understudy-db/understudy/shopgen"
)

const usage = `Usage: shopgen (--database URL | --out FILE) [--scale N] [--seed N] [-j N] [-q]

Generates a realistic online-shop database (users, orders, payments, support
tickets, partitioned click events, ...). The same seed and scale always give
the same data. Scale 1 is about 1.2 MB of COPY text and the size grows
linearly (scale 1000 is about 1.2 GB).

Examples:
  # Fill an empty database, then dump it the way production would be dumped
  createdb shop && shopgen --database postgres:///shop
  pg_dump -d shop -f shop.sql

  # Write a plain SQL script directly (loads with psql -v ON_ERROR_STOP=1)
  shopgen --out shop.sql --scale 10
  shopgen --out - --scale 1000 | psql -q -v ON_ERROR_STOP=1 -d bench

Flags:
`

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// Asked for; not a failure.
	case err != nil:
		fmt.Fprintln(os.Stderr, "shopgen:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shopgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	database := fs.String("database", "", "load into the empty database at this `URL`")
	out := fs.String("out", "", "write a plain SQL script to `FILE` (- for stdout)")
	scale := fs.Int("scale", 1, "size multiplier, 1.."+fmt.Sprint(shopgen.MaxScale))
	seed := fs.Int64("seed", shopgen.DefaultSeed, "random seed")
	jobs := fs.Int("j", 2, "parallel COPY connections (--database only)")
	quiet := fs.Bool("q", false, "no progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*database == "") == (*out == "") {
		fs.Usage()
		return errors.New("exactly one of --database or --out is required")
	}
	g, err := shopgen.New(shopgen.Config{Seed: *seed, Scale: *scale})
	if err != nil {
		return err
	}
	var progress io.Writer
	if !*quiet {
		progress = stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *database != "" {
		return g.Load(ctx, *database, *jobs, progress)
	}
	if *out == "-" {
		return g.WriteSQL(stdout, progress)
	}
	return writeFile(*out, func(w io.Writer) error { return g.WriteSQL(w, progress) })
}

// writeFile writes through a temporary name in the same directory and
// renames on success, so a failed or interrupted run leaves no partial file.
// Devices and pipes (/dev/null, a FIFO) are written directly: renaming over
// them would replace them.
func writeFile(path string, write func(io.Writer) error) (err error) {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		if err := write(bw); err != nil {
			f.Close()
			return err
		}
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file private; the result is an ordinary output.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
