package demo

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// progress draws a progress bar on one line of a terminal: the share done,
// the count, the rate over the last few seconds and the time still to go.
// It redraws the line with a carriage return, at most a few times a second
// however often it is told of progress, and ends it with a newline.
type progress struct {
	w     io.Writer // nil draws nothing
	label string
	total int
	done  int
	now   func() time.Time
	start time.Time
	drawn time.Time
	// recent are the counts at the last few redraws, for a rate that
	// follows a change of pace (the service-path demands are slower than
	// the imported ones) instead of averaging it away.
	recent []sample
	width  int // of the line last drawn, to blank what a shorter one leaves
}

type sample struct {
	at   time.Time
	done int
}

const (
	redrawEvery = 250 * time.Millisecond
	rateWindow  = 10 * time.Second
	barWidth    = 30
)

func newProgress(w io.Writer, label string, total int, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, label: label, total: total, now: now, start: t, recent: []sample{{t, 0}}}
}

// add records n more done and redraws the line if it is time to.
func (p *progress) add(n int) {
	p.done += n
	if p.w == nil {
		return
	}
	if t := p.now(); t.Sub(p.drawn) >= redrawEvery {
		p.draw(t, false)
	}
}

// finish draws the line a last time and ends it.
func (p *progress) finish() {
	if p.w == nil || p.total == 0 {
		return
	}
	p.draw(p.now(), true)
	fmt.Fprintln(p.w)
}

func (p *progress) draw(t time.Time, final bool) {
	p.drawn = t
	p.recent = append(p.recent, sample{t, p.done})
	for len(p.recent) > 2 && t.Sub(p.recent[1].at) >= rateWindow {
		p.recent = p.recent[1:]
	}
	line := p.line(t, final)
	pad := ""
	if len(line) < p.width {
		pad = strings.Repeat(" ", p.width-len(line))
	}
	p.width = len(line)
	fmt.Fprint(p.w, "\r"+line+pad)
}

// line is the text of the bar at time t.
func (p *progress) line(t time.Time, final bool) string {
	share := 1.0
	if p.total > 0 {
		share = float64(p.done) / float64(p.total)
	}
	filled := int(share * barWidth)
	bar := strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled)
	s := fmt.Sprintf("%s [%s] %5.1f%%  %s of %s", p.label, bar, 100*share, thousands(p.done), thousands(p.total))
	if final {
		elapsed := t.Sub(p.start)
		rate := 0.0
		if elapsed > 0 {
			rate = float64(p.done) / elapsed.Seconds()
		}
		return s + fmt.Sprintf("  %s/s  done in %s", thousands(int(rate)), clock(elapsed))
	}
	oldest := p.recent[0]
	span := t.Sub(oldest.at).Seconds()
	if span <= 0 || p.done == oldest.done {
		return s + "  -/s  ETA -"
	}
	rate := float64(p.done-oldest.done) / span
	left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
	return s + fmt.Sprintf("  %s/s  ETA %s", thousands(int(rate)), clock(left))
}

// thousands writes n with separators: 1,000,000.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// clock writes a duration to the second: 45s, 3m07s, 1h02m.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
