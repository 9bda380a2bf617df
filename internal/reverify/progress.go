package reverify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// progress reports how a long pass is going: on a terminal, one line that
// rewrites itself a few times a second; otherwise a log line every few
// seconds. Both show scanned, expired, notified, errors and the rate.
type progress struct {
	ctx         context.Context
	log         *slog.Logger
	term        io.Writer
	r           *Report
	start, last time.Time
}

func newProgress(ctx context.Context, log *slog.Logger, term io.Writer, r *Report) *progress {
	now := time.Now()
	return &progress{ctx: ctx, log: log, term: term, r: r, start: now, last: now}
}

func (p *progress) every() time.Duration {
	if p.term != nil {
		return 200 * time.Millisecond
	}
	return 5 * time.Second
}

// tick is called after each identity.
func (p *progress) tick() {
	now := time.Now()
	if now.Sub(p.last) < p.every() {
		return
	}
	p.last = now
	p.show(now)
}

func (p *progress) show(now time.Time) {
	rate := int(float64(p.r.Scanned) / max(now.Sub(p.start).Seconds(), 0.001))
	if p.term != nil {
		fmt.Fprintf(p.term, "\rscanned %d  expired %d  notified %d  reminded %d  errors %d  %d/s ",
			p.r.Scanned, p.r.Expired, p.r.Notified, p.r.Reminded, p.r.Errors, rate)
		return
	}
	p.log.InfoContext(p.ctx, "re-verification progress", "scanned", p.r.Scanned, "expired", p.r.Expired,
		"notified", p.r.Notified, "reminded", p.r.Reminded, "errors", p.r.Errors, "per_second", rate)
}

// done ends the terminal's progress line.
func (p *progress) done() {
	if p.term != nil {
		p.show(time.Now())
		fmt.Fprintln(p.term)
	}
}
