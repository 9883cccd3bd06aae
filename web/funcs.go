package web

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"writ"
	"writ/i18n"
	"writ/rules"
)

// urgentWithin is how close a deadline must be to be shown in red.
const urgentWithin = 48 * time.Hour

func funcs(a *assets, rb *rules.Rulebook, p *i18n.Printer) template.FuncMap {
	return template.FuncMap{
		"t":     func(key string, args ...any) string { return p.T(key, identifiers(args)...) },
		"lang":  p.Lang,
		"flash": func(f string) string { return flashText(p, f) },
		"num":   func(n any) string { return p.T("%d", n) },
		"instrument": func(code string) string {
			if name, ok := p.Label("instrument", code); ok {
				return name
			}
			if name, _ := rb.InstrumentName(code); name != "" {
				return name
			}
			return label(code)
		},
		"country": func(code string) string {
			name := p.Country(code)
			if name == code {
				name = rb.CountryName(code)
			}
			if name == "" {
				return code
			}
			return name + " (" + code + ")"
		},
		"asset":  a.url,
		"when":   func(t time.Time) string { return whenIn(p, t) },
		"day":    func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"isoday": p.Day,
		"whenp": func(t *time.Time) string {
			if t == nil {
				return "—"
			}
			return whenIn(p, *t)
		},
		"label":        func(code string) string { return labelIn(p, code) },
		"labels":       func(codes []string) string { return labelsIn(p, codes) },
		"deficiency":   func(code, message string) string { return deficiencyIn(p, code, message) },
		"language":     func(code string) string { return p.T("language." + code) },
		"languageName": p.LanguageName,
		"join":         strings.Join,
		"has":          slices.Contains[[]string],
		"urgent":       urgent,
		"overdue":      func(t *time.Time, now time.Time) bool { return t != nil && t.Before(now) },
		"dueIn":        func(t *time.Time, now time.Time) string { return dueIn(p, t, now) },
		"size":         func(n int64) string { return size(p, n) },
		"short":        func(s string) string { return shortHash(s) },
		"eq_state":     func(a writ.State, b string) bool { return string(a) == b },
		"deref":        func(p *int64) int64 { return derefID(p) },
		"add":          func(a, b int) int { return a + b },
		"fieldOf":      fieldOf,
		"dl":           func(t *time.Time, now time.Time) deadlineCell { return deadlineCell{T: t, Now: now} },
		"audience": func(a string) string {
			if s, ok := p.Label("audience", a); ok {
				return s
			}
			return audienceLabel(a)
		},
		"source":   func(code string) string { return labelSourceIn(p, code) },
		"sentence": sentence,
		"raw":      rawEvent,
	}
}

// identifiers passes a demand's number (an int64) to a message as text, so
// that it is never grouped like an amount (1 234); counts are ints and
// are formatted, and choose the plural form, by the language's rules.
func identifiers(args []any) []any {
	out := slices.Clone(args)
	for i, a := range out {
		if id, ok := a.(int64); ok {
			out[i] = strconv.FormatInt(id, 10)
		}
	}
	return out
}

// labelIn is a code's word in p's language: the catalog's "label." entry;
// else, in English, the legal team's table (labels.go), and in another
// language the code itself, never English words on a page that is not.
// TestEveryOutwardLabelIsInEveryCatalog keeps the codes outward pages
// show in the catalogs.
func labelIn(p *i18n.Printer, code string) string {
	if s, ok := p.Label("label", code); ok {
		return s
	}
	if p.Lang() != i18n.English {
		return code
	}
	return label(code)
}

func labelsIn(p *i18n.Printer, codes []string) string {
	words := make([]string, len(codes))
	for i, c := range codes {
		words[i] = labelIn(p, c)
	}
	return strings.Join(words, ", ")
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// whenIn prints a time for people in p's language: UTC, to the minute,
// with its zone.
func whenIn(p *i18n.Printer, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return p.DateTime(t)
}

// urgent reports whether a deadline is under 48 hours away (or past).
func urgent(t *time.Time, now time.Time) bool { return t != nil && t.Sub(now) < urgentWithin }

// dueIn says how far off a deadline is, in words: "in 20 h", "3 d ago".
func dueIn(p *i18n.Printer, t *time.Time, now time.Time) string {
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
		s = p.T("due.minutes", int(d.Minutes()))
	case d < 72*time.Hour:
		s = p.T("due.hours", int(d.Hours()))
	default:
		s = p.T("due.days", int(d.Hours()/24))
	}
	if past {
		return p.T("due.overdue", s)
	}
	return p.T("due.in", s)
}

func size(p *i18n.Printer, n int64) string {
	switch {
	case n < 1024:
		return p.T("size.bytes", int(n))
	case n < 1<<20:
		return p.T("size.kib", float64(n)/1024)
	}
	return p.T("size.mib", float64(n)/(1<<20))
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

// labelSourceIn is a code's label in p's language with its legal source,
// where it has one.
func labelSourceIn(p *i18n.Printer, code string) string {
	if src := sources[code]; src != "" {
		return labelIn(p, code) + " (" + src + ")"
	}
	return labelIn(p, code)
}
