package web

import (
	"testing"

	"writ/i18n"
	"writ/rules"
)

// English pages are parsed at start, the others when first asked for,
// and every page parses in every language.
func TestPagesParseInEveryLanguageWhenFirstAskedFor(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadPages(a, rb, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.byLang) != 1 || p.byLang[i18n.English] == nil {
		t.Fatalf("at start the pages are parsed in %d languages, want English alone", len(p.byLang))
	}
	english := p.byLang[i18n.English]
	for _, lang := range i18n.Languages() {
		set, err := p.of(lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if len(set) != len(english) {
			t.Fatalf("%s: %d pages, English %d", lang, len(set), len(english))
		}
		if again, _ := p.of(lang); again["queue"] != set["queue"] {
			t.Fatalf("%s: parsed again on the second asking", lang)
		}
	}
}
