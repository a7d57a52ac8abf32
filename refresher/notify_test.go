package refresher

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A webhook that hangs must not hold a stopping refresher: the post ends
// about a second after SIGTERM, even if it started before.
func TestWebhookHangsAtShutdown(t *testing.T) {
	t.Parallel()
	got, done := make(chan struct{}, 1), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- struct{}{}
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := newNotifier(slog.New(slog.NewTextHandler(io.Discard, nil)))
	n.ctx = ctx
	j := &Job{Name: "shop", Notify: Notify{Webhook: srv.URL, OnFailure: true}}
	go func() {
		<-got
		cancel() // SIGTERM while the post waits
	}()
	start := time.Now()
	n.send(j, &Report{Job: "shop", Result: Failure})
	if d := time.Since(start); d > webhookTimeout+time.Second {
		t.Errorf("the post went on %s after the refresher was told to stop", d)
	}
}
