package refresher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// notifier posts run results to the jobs' webhooks.
type notifier struct {
	client *http.Client
	log    *slog.Logger
	// ctx ends the wait for a webhook when the refresher stops.
	ctx context.Context
}

func newNotifier(log *slog.Logger) *notifier {
	return &notifier{client: &http.Client{Timeout: 10 * time.Second}, log: log, ctx: context.Background()}
}

// webhookTimeout bounds a post once the refresher is stopping: it must
// exit within seconds.
const webhookTimeout = time.Second

// Notification is the JSON a webhook receives: the run's report, less the
// per-table detail, and a one-line text (which chat webhooks show). It
// holds no password, secret or cell value.
type Notification struct {
	Text     string     `json:"text"`
	Job      string     `json:"job"`
	Database string     `json:"database"`
	Result   string     `json:"result"`
	Stage    string     `json:"stage,omitempty"`
	Error    string     `json:"error,omitempty"`
	Tick     *time.Time `json:"tick,omitempty"`
	Started  time.Time  `json:"started"`
	Finished time.Time  `json:"finished"`
	Seconds  float64    `json:"duration_seconds"`
	Attempts int        `json:"attempts"`
	Rows     int64      `json:"rows"`
	Previous string     `json:"previous,omitempty"`
}

// send posts rep to j's webhook if j wants to hear of this result. A
// failure to post is logged without the webhook's URL, which is a secret.
func (n *notifier) send(j *Job, rep *Report) {
	if j.Notify.Webhook == "" || rep.Result == Failure && !j.Notify.OnFailure || rep.Result == Success && !j.Notify.OnSuccess {
		return
	}
	msg := Notification{Job: rep.Job, Database: rep.Database, Result: rep.Result, Stage: rep.Stage, Error: rep.Error,
		Tick: rep.Tick, Started: rep.Started, Finished: rep.Finished, Seconds: rep.Seconds, Attempts: rep.Attempts,
		Rows: rep.Rows, Previous: rep.Previous}
	if rep.Result == Success {
		msg.Text = fmt.Sprintf("understudy: refreshed %s (job %s): %d rows in %.0f s", rep.Database, rep.Job, rep.Rows, rep.Seconds)
	} else {
		msg.Text = fmt.Sprintf("understudy: refreshing %s (job %s) failed in %s: %s; staging is unchanged", rep.Database, rep.Job, rep.Stage, rep.Error)
	}
	body, _ := json.Marshal(msg)
	ctx, cancel := context.WithTimeout(context.Background(), n.client.Timeout)
	if n.ctx.Err() != nil {
		ctx, cancel = context.WithTimeout(context.Background(), webhookTimeout)
	}
	defer cancel()
	// A post under way when the refresher is told to stop gets
	// webhookTimeout more, not the client's whole timeout.
	stopping := context.AfterFunc(n.ctx, func() { time.AfterFunc(webhookTimeout, cancel) })
	defer stopping()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.Notify.Webhook, bytes.NewReader(body))
	if err != nil {
		n.log.Error("webhook: cannot build the request", "job", j.Name)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "understudy-refresher")
	resp, err := n.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text quotes the URL
			err = ue.Err
		}
		n.log.Error("webhook: the post failed", "job", j.Name, "error", err.Error())
		return
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		n.log.Error("webhook: the post was refused", "job", j.Name, "status", resp.StatusCode)
		return
	}
	n.log.Info("webhook notified", "job", j.Name, "result", rep.Result)
}
