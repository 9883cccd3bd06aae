// Package i18n holds the words writ shows to people outside the provider's
// legal team — agencies, customers, authorities and the public — in
// English, French and German, and chooses which of them a person reads.
//
// The words are data: one catalog file per language under locale/, which
// a translator edits without touching Go, loaded at start into a
// golang.org/x/text catalog. A key names a message ("signin.title"); its
// text takes fmt verbs, with plural forms by CLDR category where a count
// decides the wording. Numbers are formatted by the language's rules
// (x/text/message); dates by the catalog's own patterns and month names,
// always with their zone. The terms of art follow glossary.yaml, which a
// test holds the catalogs to.
//
// What is written in English elsewhere: the rulebook's messages and the
// store's validation errors carry the particulars of a case in English,
// the language the law as data is written in. The pages for agencies show
// them to an English reader; another reads the catalog's words for the
// same code ("deficiency.<code>", "fielderror.<field>"). The transparency
// reports' JSON and CSV are language-neutral machine formats; their HTML
// and PDF take the catalog's "report." words.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

//go:embed locale/*.json glossary.yaml
var files embed.FS

// The languages writ speaks; English is the fallback.
const (
	English = "en"
	French  = "fr"
	German  = "de"
)

// Languages lists the languages writ speaks, English first.
func Languages() []string { return []string{English, French, German} }

// IsLanguageCode reports whether code is an ISO 639-1 language code: two
// lower-case letters naming a language (fr, de, pl), whether or not writ
// speaks it.
func IsLanguageCode(code string) bool {
	if len(code) != 2 || strings.ToLower(code) != code {
		return false
	}
	b, err := language.ParseBase(code)
	return err == nil && b.String() == code
}

// Valid reports whether lang is one of Languages.
func Valid(lang string) bool { return slices.Contains(Languages(), lang) }

// Catalog is every message in every language.
type Catalog struct {
	builder *catalog.Builder
	// texts holds each language's messages as written in its file, plural
	// forms joined by a line break: for the checks that every key is
	// translated and that no English is left in another language.
	texts   map[string]map[string]string
	matcher language.Matcher
	tags    map[string]language.Tag
}

// Load reads the catalogs of every language. It fails when a file cannot
// be read or a message is malformed.
func Load() (*Catalog, error) {
	c := &Catalog{builder: catalog.NewBuilder(catalog.Fallback(language.English)), texts: map[string]map[string]string{}, tags: map[string]language.Tag{}}
	var tags []language.Tag
	for _, lang := range Languages() {
		tag := language.MustParse(lang)
		c.tags[lang] = tag
		tags = append(tags, tag)
		b, err := fs.ReadFile(files, "locale/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("i18n: locale/%s.json: %w", lang, err)
		}
		c.texts[lang] = map[string]string{}
		for key, m := range raw {
			text, err := c.add(tag, key, m)
			if err != nil {
				return nil, fmt.Errorf("i18n: locale/%s.json: %s: %w", lang, key, err)
			}
			c.texts[lang][key] = text
		}
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// pluralForms are the CLDR plural categories a catalog may give, in the
// order x/text tries them.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// add sets one message: a string, or an object of plural forms chosen by
// the first argument ({"one": "…", "other": "…"}).
func (c *Catalog) add(tag language.Tag, key string, m json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(m, &s); err == nil {
		return s, c.builder.SetString(tag, key, s)
	}
	var forms map[string]string
	if err := json.Unmarshal(m, &forms); err != nil {
		return "", fmt.Errorf("a message is a string or an object of plural forms")
	}
	if forms["other"] == "" {
		return "", fmt.Errorf("plural forms need \"other\"")
	}
	var cases []any
	var texts []string
	for _, f := range pluralForms {
		if t, ok := forms[f]; ok {
			cases = append(cases, f, t)
			texts = append(texts, t)
			delete(forms, f)
		}
	}
	for f := range forms {
		return "", fmt.Errorf("unknown plural form %q", f)
	}
	return strings.Join(texts, "\n"), c.builder.Set(tag, key, plural.Selectf(1, "", cases...))
}

// Keys returns the keys of lang's catalog, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.texts[lang]))
	for k := range c.texts[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Text returns the message of key in lang as its file gives it (plural
// forms joined by a line break), and whether there is one.
func (c *Catalog) Text(lang, key string) (string, bool) {
	t, ok := c.texts[lang][key]
	return t, ok
}

// Match chooses the language for a browser's Accept-Language header:
// the best of Languages, English when none fits.
func (c *Catalog) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Languages()[i]
}

// Choose is the language of a reader who is not signed in: chosen (a
// page's choice of languages, ?lang=) when it is one of Languages, else
// the best for the browser's Accept-Language.
func (c *Catalog) Choose(chosen, acceptLanguage string) string {
	if Valid(chosen) {
		return chosen
	}
	return c.Match(acceptLanguage)
}

// Printer returns the printer of lang, English when lang is not one of
// Languages.
func (c *Catalog) Printer(lang string) *Printer {
	if !Valid(lang) {
		lang = English
	}
	return &Printer{c: c, lang: lang, p: message.NewPrinter(c.tags[lang], message.Catalog(c.builder))}
}

// Printer writes messages in one language.
type Printer struct {
	c    *Catalog
	lang string
	p    *message.Printer
}

// Lang is the printer's language, as the html lang attribute takes it.
func (p *Printer) Lang() string { return p.lang }

// T returns the message of key with args, numbers formatted for the
// language. A key no catalog has comes back as itself: the catalog tests
// keep that from reaching anyone.
func (p *Printer) T(key string, args ...any) string { return p.p.Sprintf(key, args...) }

// Has reports whether the catalog has key.
func (p *Printer) Has(key string) bool {
	_, ok := p.c.texts[p.lang][key]
	return ok
}

// Label is the word for a code of a kind ("state", "in_review"); ok is
// false when the catalog has none.
func (p *Printer) Label(kind, code string) (string, bool) {
	key := kind + "." + code
	if !p.Has(key) {
		return "", false
	}
	return p.T(key), true
}

// Date is a day in the language's form: 2026-12-05, 5 décembre 2026
// (1er décembre), 5. Dezember 2026.
func (p *Printer) Date(t time.Time) string {
	return p.T("date.day", p.T("date.dom", t.Day()), p.T("date.month."+strconv.Itoa(int(t.Month()))),
		strconv.Itoa(t.Year()), fmt.Sprintf("%02d", int(t.Month())), fmt.Sprintf("%02d", t.Day()))
}

// DateTime is a moment to the minute in UTC, always with its zone.
func (p *Printer) DateTime(t time.Time) string {
	t = t.UTC()
	return p.T("date.time", p.Date(t), t.Format("15:04"), t.Format("MST"))
}

// Day formats an ISO date (2026-12-05) as Date does, or returns it as it
// is when it is not one.
func (p *Printer) Day(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return p.Date(t)
}

// Country is a country's name in the language from its ISO 3166-1 code,
// or the code when it is not one.
func (p *Printer) Country(code string) string {
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := display.Regions(p.c.tags[p.lang]).Name(r); name != "" {
		return name
	}
	return code
}

// LanguageName is a language's name in the printer's language from its
// ISO 639-1 code, or the code when it is not one.
func (p *Printer) LanguageName(code string) string {
	b, err := language.ParseBase(code)
	if err != nil {
		return code
	}
	if name := display.Languages(p.c.tags[p.lang]).Name(b); name != "" {
		return name
	}
	return code
}

// ForCountry is the default language of correspondence with a country's
// people and authorities: French for France, Belgium, Luxembourg,
// Switzerland and Monaco; German for Germany, Austria and Liechtenstein;
// English elsewhere. Belgium and Switzerland speak more than one language,
// so a customer's own choice overrides it.
func ForCountry(country string) string {
	switch strings.ToUpper(country) {
	case "FR", "BE", "LU", "CH", "MC":
		return French
	case "DE", "AT", "LI":
		return German
	}
	return English
}
