// Command refresher keeps staging databases fresh. See `refresher --help`.
package main

import (
	"context"
	"os"

	"github.com/understudy-db/understudy/cli"
	"github.com/understudy-db/understudy/refresher"
)

func main() {
	ctx, stop := cli.WithSignals(context.Background())
	code := refresher.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
