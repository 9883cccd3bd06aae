package web

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"text/template/parse"

	"golang.org/x/net/html"

	"writ/i18n"
)

// legalTeamPages are the templates only the provider's legal team and
// auditors open, which may stay in English. Every other template — a new
// one too — is read by agencies, customers or the public, and is held to
// TestOutwardTemplatesSayNothingOutsideTheCatalog.
var legalTeamPages = map[string]bool{
	"admin.html": true, "agencies.html": true, "calendar.html": true, "customers.html": true,
	"demand_legal.html": true, "home.html": true, "bulk.html": true, "partials_legal.html": true, "notices.html": true, "queue.html": true, "users.html": true,
	"rulebook.html": true,
}

// placeholder stands for an action's output in a template's skeleton.
const placeholder = "\uE000"

// words that are no language: the product's name, a hash's, the names of
// file formats.
var notWords = map[string]bool{"writ": true, "SHA": true, "JSON": true, "CSV": true, "PDF": true}

var word = regexp.MustCompile(`\p{L}{2,}`)

var attributes = regexp.MustCompile(`^\s*[a-z-]+="`)

// TestOutwardTemplatesSayNothingOutsideTheCatalog parses every template
// meant for agencies, customers or the public — the web's and the
// transparency reports' (package report) — and fails when a text node or a
// human-read attribute (title, aria-label, alt, placeholder) holds a word
// that does not come through the translation function, or when a template
// asks the catalog for a key it does not have.
func TestOutwardTemplatesSayNothingOutsideTheCatalog(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, dir := range []fs.FS{templateFS, os.DirFS("../report")} {
		names, err := fs.Glob(dir, "templates/*.html")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			base := strings.TrimPrefix(name, "templates/")
			if dir == templateFS && legalTeamPages[base] {
				continue
			}
			checked++
			b, err := fs.ReadFile(dir, name)
			if err != nil {
				t.Fatal(err)
			}
			checkOutward(t, cat, base, string(b))
		}
	}
	if checked < 14 {
		t.Fatalf("checked %d templates", checked)
	}
}

// checkOutward checks one outward template. Its functions are not
// checked: each package's own tests execute its templates.
func checkOutward(t *testing.T, cat *i18n.Catalog, base, text string) {
	t.Helper()
	trees := map[string]*parse.Tree{}
	tree := parse.New(base)
	tree.Mode = parse.SkipFuncCheck
	if _, err := tree.Parse(text, "{{", "}}", trees); err != nil {
		t.Fatal(err)
	}
	for _, tree := range trees {
		var sb strings.Builder
		skeleton(&sb, tree.Root, func(key string) {
			if _, ok := cat.Text(i18n.English, key); !ok {
				t.Errorf("%s: no catalog key %q", base, key)
			}
		})
		skel := sb.String()
		if attributes.MatchString(strings.ReplaceAll(skel, placeholder, "")) {
			skel = "<x " + skel + ">" // a template of attributes, used inside a tag
		}
		for _, w := range englishIn(skel) {
			t.Errorf("%s (%s): %q is not from the catalog", base, tree.Name, w)
		}
	}
}

// skeleton writes a template's text with every action replaced by a
// placeholder, both branches of every if and range, and reports every
// constant key given to t (and every label key given to fieldOf).
func skeleton(sb *strings.Builder, n parse.Node, key func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			skeleton(sb, c, key)
		}
	case *parse.TextNode:
		sb.Write(n.Text)
	case *parse.ActionNode:
		keys(n.Pipe, key)
		sb.WriteString(placeholder)
	case *parse.IfNode:
		keys(n.Pipe, key)
		skeleton(sb, n.List, key)
		skeleton(sb, n.ElseList, key)
	case *parse.RangeNode:
		skeleton(sb, n.List, key)
		skeleton(sb, n.ElseList, key)
	case *parse.WithNode:
		skeleton(sb, n.List, key)
		skeleton(sb, n.ElseList, key)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			keys(n.Pipe, key)
		}
		sb.WriteString(placeholder)
	}
}

func keys(p *parse.PipeNode, key func(string)) {
	if p == nil {
		return
	}
	for _, c := range p.Cmds {
		for i, a := range c.Args {
			switch a := a.(type) {
			case *parse.IdentifierNode:
				if a.Ident == "t" && i+1 < len(c.Args) {
					if s, ok := c.Args[i+1].(*parse.StringNode); ok {
						key(s.Text)
					}
				}
				if a.Ident == "fieldOf" && i+3 < len(c.Args) {
					if s, ok := c.Args[i+3].(*parse.StringNode); ok && s.Text != "" {
						key(s.Text)
					}
				}
			case *parse.PipeNode:
				keys(a, key)
			}
		}
	}
}

// englishIn returns the words of an HTML skeleton a person reads: text
// outside code, pre, script and style, and the human-read attributes.
func englishIn(skel string) []string {
	var found []string
	z := html.NewTokenizer(strings.NewReader(skel))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return found
		case html.TextToken:
			if skip == 0 {
				found = append(found, wordsOf(string(z.Text()))...)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "code", "pre", "script", "style":
				skip++
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "title", "aria-label", "alt", "placeholder":
					found = append(found, wordsOf(string(v))...)
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "code", "pre", "script", "style":
				skip--
			}
		}
	}
}

func wordsOf(s string) []string {
	var out []string
	for _, w := range word.FindAllString(s, -1) {
		if !notWords[w] {
			out = append(out, w)
		}
	}
	return out
}
