package i18n_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"writ/i18n"
)

type term struct {
	EN     string   `yaml:"en"`
	FR     []string `yaml:"fr"`
	DE     []string `yaml:"de"`
	Source string   `yaml:"source"`
}

// TestCatalogsUseTheGlossary checks that wherever a catalog's English
// message uses a term of art, its French and German messages use the
// glossary's translation of it.
func TestCatalogsUseTheGlossary(t *testing.T) {
	b, err := os.ReadFile("glossary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var terms []term
	if err := yaml.Unmarshal(b, &terms); err != nil {
		t.Fatal(err)
	}
	if len(terms) < 20 {
		t.Fatalf("%d terms", len(terms))
	}
	c := load(t)
	for _, tm := range terms {
		if tm.EN == "" || len(tm.FR) == 0 || len(tm.DE) == 0 || tm.Source == "" {
			t.Errorf("glossary: %q lacks a translation or its source", tm.EN)
			continue
		}
		re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(tm.EN) + `s?\b`)
		for _, key := range c.Keys(i18n.English) {
			en, _ := c.Text(i18n.English, key)
			if !re.MatchString(en) {
				continue
			}
			for lang, forms := range map[string][]string{"fr": tm.FR, "de": tm.DE} {
				text, _ := c.Text(lang, key)
				if !containsAny(text, forms) {
					t.Errorf("%s: English uses %q, %s does not use %q: %q", key, tm.EN, lang, forms[0], text)
				}
			}
		}
	}
}

func containsAny(s string, forms []string) bool {
	s = strings.ToLower(s)
	for _, f := range forms {
		if strings.Contains(s, strings.ToLower(f)) {
			return true
		}
	}
	return false
}
