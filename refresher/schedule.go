package refresher

import (
	"time"

	"github.com/robfig/cron/v3"
)

// nextTick is j's first tick after t. "@every D" ticks at whole multiples
// of D (for a D that divides a day: counted from midnight UTC), where
// robfig/cron would count from the moment asked: refreshers sharing a
// config must agree on the ticks for the tick lock to work.
func nextTick(j *Job, t time.Time) time.Time {
	if every, ok := j.Schedule.(cron.ConstantDelaySchedule); ok {
		return t.Truncate(every.Delay).Add(every.Delay)
	}
	return j.Schedule.Next(t.In(j.Location))
}
