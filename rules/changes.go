package rules

import (
	"io/fs"
	"slices"
	"strings"
)

// fileChanges lists what the rulebook's version changed since the one
// before; a rulebook directory without it has no list of changes.
const fileChanges = "changes.yaml"

// Changes is what a version of the rulebook changed since the one before,
// for the people who rely on it: each change with the sections of the
// rulebook, and the legal sources, it cites.
type Changes struct {
	Version string
	From    string
	Items   []Change
}

// Change is one change of a rulebook version.
type Change struct {
	Title string
	Text  string
	// Cites names the rulebook's sections that now hold the rule (§4)
	// and, where it rests on one, the legal source; empty for a change
	// no section holds.
	Cites string
}

type changesFile struct {
	Version token       `yaml:"version"`
	From    token       `yaml:"from"`
	Changes []changeDoc `yaml:"changes"`
}

type changeDoc struct {
	Title string `yaml:"title"`
	Text  string `yaml:"text"`
	Cites string `yaml:"cites,omitempty"`
	Line  int
}

// readChanges reads the list of changes when the rulebook has one.
func readChanges(fsys fs.FS, rb *Rulebook, errs *problems) *changesFile {
	if _, err := fs.Stat(fsys, fileChanges); err != nil {
		return nil
	}
	f := &changesFile{}
	readYAML(fsys, fileChanges, f, rb, errs)
	return f
}

// compileChanges checks that the changes are those of the rulebook's own
// version, each with a title and a text.
func (c *compiler) compileChanges(f *changesFile) {
	if f == nil {
		return
	}
	if v := strings.TrimSpace(f.Version.Value); v != c.rb.version {
		c.errorf(fileChanges, f.Version.Line, "the changes are those of version %q, but %s declares version %q", v, fileMain, c.rb.version)
	}
	if strings.TrimSpace(f.From.Value) == "" {
		c.errorf(fileChanges, f.From.Line, "name the version the changes are made from")
	}
	out := Changes{Version: c.rb.version, From: strings.TrimSpace(f.From.Value)}
	for _, ch := range f.Changes {
		item := Change{Title: strings.TrimSpace(ch.Title), Text: strings.TrimSpace(ch.Text), Cites: strings.TrimSpace(ch.Cites)}
		if item.Title == "" || item.Text == "" {
			c.errorf(fileChanges, ch.Line, "a change needs a title and a text")
		}
		out.Items = append(out.Items, item)
	}
	c.rb.changes = out
}

// Changes returns what this version of the rulebook changed since the one
// before; no items when the rulebook lists none.
func (rb *Rulebook) Changes() Changes {
	out := rb.changes
	out.Items = slices.Clone(out.Items)
	return out
}
