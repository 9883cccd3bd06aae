package i18n_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"writ/i18n"
)

func load(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestEveryKeyIsTranslated fails when a key of one language's catalog is
// missing from another's, or when a translation takes other arguments
// than the English message.
func TestEveryKeyIsTranslated(t *testing.T) {
	c := load(t)
	for _, lang := range i18n.Languages() {
		for _, other := range i18n.Languages() {
			for _, key := range c.Keys(lang) {
				text, ok := c.Text(other, key)
				if !ok || strings.TrimSpace(text) == "" {
					t.Errorf("%s: no %s translation", key, other)
				}
			}
		}
	}
	for _, key := range c.Keys(i18n.English) {
		en, _ := c.Text(i18n.English, key)
		for _, lang := range i18n.Languages()[1:] {
			text, _ := c.Text(lang, key)
			if a, b := verbs(en), verbs(text); a != b {
				t.Errorf("%s (%s): arguments %q, English %q", key, lang, b, a)
			}
		}
	}
}

// verbs are the distinct argument verbs of a message, sorted by their
// text, so that a translation may reorder them with %[n]s.
func verbs(s string) string {
	seen := map[string]bool{}
	for _, v := range verb.FindAllString(s, -1) {
		seen[regexp.MustCompile(`\[\d+\]`).ReplaceAllString(v, "")] = true
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	if len(out) > 1 {
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j] < out[i] {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
	}
	return strings.Join(out, " ")
}

func TestPluralsNumbersAndDates(t *testing.T) {
	c := load(t)
	at := time.Date(2026, 12, 5, 14, 3, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang, one, many, date string
	}{
		{"en", "1 notice undeliverable", "2 notices undeliverable", "2026-12-05 14:03 UTC"},
		{"fr", "1 notification impossible à remettre", "2 notifications impossibles à remettre", "5 décembre 2026 à 14:03 UTC"},
		{"de", "1 Benachrichtigung nicht zustellbar", "2 Benachrichtigungen nicht zustellbar", "5. Dezember 2026, 14:03 UTC"},
	} {
		p := c.Printer(tc.lang)
		if got := p.T("alert.undeliverable", 1); got != tc.one {
			t.Errorf("%s one: %q, want %q", tc.lang, got, tc.one)
		}
		if got := p.T("alert.undeliverable", 2); got != tc.many {
			t.Errorf("%s other: %q, want %q", tc.lang, got, tc.many)
		}
		if got := p.DateTime(at); got != tc.date {
			t.Errorf("%s date: %q, want %q", tc.lang, got, tc.date)
		}
	}
	if got := c.Printer("de").T("%d", 12345); got != "12.345" {
		t.Errorf("German number: %q", got)
	}
}

func TestLanguageChoice(t *testing.T) {
	c := load(t)
	for header, want := range map[string]string{
		"fr-FR,fr;q=0.9,en;q=0.8": "fr", "de-AT": "de", "de-CH, fr;q=0.5": "de", "es-ES": "en", "": "en", "garbage;;": "en", "fr-BE": "fr",
	} {
		if got := c.Match(header); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", header, got, want)
		}
	}
	for country, want := range map[string]string{"FR": "fr", "BE": "fr", "LU": "fr", "CH": "fr", "DE": "de", "AT": "de", "US": "en", "IE": "en"} {
		if got := i18n.ForCountry(country); got != want {
			t.Errorf("ForCountry(%s) = %s, want %s", country, got, want)
		}
	}
}
