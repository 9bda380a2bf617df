package reverify

import (
	"context"
	"log/slog"
	"time"
)

// progress logs how a long pass is going every few seconds: scanned,
// expired, notified, errors and the rate.
type progress struct {
	ctx         context.Context
	log         *slog.Logger
	r           *Report
	start, last time.Time
}

const progressEvery = 5 * time.Second

func newProgress(ctx context.Context, log *slog.Logger, r *Report) *progress {
	now := time.Now()
	return &progress{ctx: ctx, log: log, r: r, start: now, last: now}
}

// tick is called after each identity; it logs at most every progressEvery.
func (p *progress) tick() {
	now := time.Now()
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	secs := now.Sub(p.start).Seconds()
	p.log.InfoContext(p.ctx, "re-verification progress", "scanned", p.r.Scanned, "expired", p.r.Expired,
		"notified", p.r.Notified, "errors", p.r.Errors, "per_second", int(float64(p.r.Scanned)/max(secs, 0.001)))
}
