// Command anonymize masks a PostgreSQL dump for staging. See `anonymize --help`.
package main

import (
	"context"
	"os"

	"github.com/understudy-db/understudy/cli"
)

func main() {
	ctx, stop := cli.WithSignals(context.Background())
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
