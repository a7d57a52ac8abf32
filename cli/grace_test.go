package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"syscall"
	"testing"
)

// TestInterruptionReportedOnce: a run that stops by itself only after its
// grace period — while its outputs are being aborted, or after Run has
// returned — and Run's grace period both come to report the interruption;
// stderr says it once.
func TestInterruptionReportedOnce(t *testing.T) {
	for _, late := range []bool{false, true} {
		ctx, cancel := context.WithCancelCause(context.Background())
		var stderr bytes.Buffer
		e := &env{ctx: ctx, stdout: io.Discard, errw: &lockedWriter{w: &stderr}}
		e.stderr = e.errw
		aborting, returned, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
		e.onAbort(func() {
			close(aborting)
			if !late {
				<-finished // the run fails while its outputs are aborted
			}
		})
		code := e.supervise(func() int {
			cancel(Interrupted{Signal: syscall.SIGTERM})
			<-aborting // the grace period is over
			if late {
				<-returned
			}
			code := e.fail(errors.New("COPY failed: canceling statement due to user request"))
			close(finished)
			return code
		})
		close(returned)
		<-finished
		if got := stderr.String(); code != ExitFailure || got != "anonymize: interrupted by SIGTERM\n" {
			t.Errorf("late %v: exit %d, stderr %q", late, code, got)
		}
	}
}
