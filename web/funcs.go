package web

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"writ"
	"writ/rules"
)

// urgentWithin is how close a deadline must be to be shown in red.
const urgentWithin = 48 * time.Hour

func funcs(a *assets, rb *rules.Rulebook) template.FuncMap {
	return template.FuncMap{
		"instrument": func(code string) string {
			if name, _ := rb.InstrumentName(code); name != "" {
				return name
			}
			return label(code)
		},
		"country": func(code string) string {
			if name := rb.CountryName(code); name != "" {
				return name + " (" + code + ")"
			}
			return code
		},
		"asset": a.url,
		"when":  when,
		"day":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"whenp": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return when(*t)
		},
		"label":    label,
		"source":   labelSource,
		"join":     strings.Join,
		"has":      slices.Contains[[]string],
		"urgent":   urgent,
		"overdue":  func(t *time.Time, now time.Time) bool { return t != nil && t.Before(now) },
		"dueIn":    dueIn,
		"size":     size,
		"short":    func(s string) string { return shortHash(s) },
		"sentence": sentence,
		"raw":      rawEvent,
		"eq_state": func(a writ.State, b string) bool { return string(a) == b },
		"deref":    func(p *int64) int64 { return derefID(p) },
		"add":      func(a, b int) int { return a + b },
		"fieldOf":  fieldOf,
		"dl":       func(t *time.Time, now time.Time) deadlineCell { return deadlineCell{T: t, Now: now} },
		"audience": audienceLabel,
	}
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// when prints a time for people: UTC, to the minute.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// urgent reports whether a deadline is under 48 hours away (or past).
func urgent(t *time.Time, now time.Time) bool { return t != nil && t.Sub(now) < urgentWithin }

// dueIn says how far off a deadline is, in words: "in 20 h", "3 d ago".
func dueIn(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now)
	past := d < 0
	if past {
		d = -d
	}
	var s string
	switch {
	case d < time.Hour:
		s = fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 72*time.Hour:
		s = fmt.Sprintf("%d h", int(d.Hours()))
	default:
		s = fmt.Sprintf("%d d", int(d.Hours()/24))
	}
	if past {
		return "overdue by " + s
	}
	return "in " + s
}

func size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func shortHash(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// deadlineCell is a deadline with the clock, for the deadline partial.
type deadlineCell struct {
	T   *time.Time
	Now time.Time
}
