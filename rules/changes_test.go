package rules

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sectionRefs are the rulebook sections a text cites, as "(§2, §3)".
func sectionRefs(text string) []string {
	var out []string
	for _, group := range regexp.MustCompile(`\((§\d+(?:, §\d+)*)\)|^(§\d+(?:, §\d+)*)`).FindAllStringSubmatch(text, -1) {
		out = append(out, strings.Split(group[1]+group[2], ", ")...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// The built-in rulebook lists the 27 changes of v2, each citing the
// sections the specification's first section names for it (checked
// against the specification wherever it is beside the repository).
func TestChangesOfV2(t *testing.T) {
	rb := defaultRulebook(t)
	ch := rb.Changes()
	if ch.Version != "v2" || ch.From != "v1" || len(ch.Items) != 27 {
		t.Fatalf("changes of %s from %s: %d items, want 27 of v2 from v1", ch.Version, ch.From, len(ch.Items))
	}
	spec, err := os.ReadFile("../../shared/spec/rulebook.md")
	if os.IsNotExist(err) {
		t.Skip("no specification beside the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	section, _, _ := strings.Cut(string(spec), "\n---\n")
	items := regexp.MustCompile(`(?m)^\d+\. \*\*`).Split(section, -1)[1:]
	if len(items) != len(ch.Items) {
		t.Fatalf("the specification lists %d changes, the rulebook %d", len(items), len(ch.Items))
	}
	for i, item := range items {
		if want, got := sectionRefs(item), sectionRefs(ch.Items[i].Cites); !slices.Equal(got, want) {
			t.Errorf("change %d (%s) cites %v, the specification %v", i+1, ch.Items[i].Title, got, want)
		}
	}
}

// A list of changes must be the changes of the rulebook's own version; a
// rulebook without one lists none.
func TestChangesOfAnotherVersionAreRefused(t *testing.T) {
	m := builtinFS(t)
	edit(t, m, fileChanges, "version: v2", "version: v3")
	_, err := Load(m)
	if err == nil || !strings.Contains(err.Error(), fileChanges) || !strings.Contains(err.Error(), `"v3"`) {
		t.Fatalf("load: %v, want a problem in changes.yaml naming v3", err)
	}
	delete(m, fileChanges)
	rb, err := Load(m)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rb.Changes().Items); n != 0 {
		t.Fatalf("a rulebook without changes.yaml lists %d changes", n)
	}
}
