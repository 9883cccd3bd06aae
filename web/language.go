package web

import (
	"net/http"
	"strings"

	"writ/i18n"
)

// languageChoice is one language of the account page's choice, named in
// itself, so that a person who cannot read the page's language finds theirs.
type languageChoice struct {
	Code, Name string
	Chosen     bool
}

// languageNames are the languages' own names for themselves.
var languageNames = map[string]string{i18n.English: "English", i18n.French: "Français", i18n.German: "Deutsch"}

func languageChoices(chosen string) []languageChoice {
	var out []languageChoice
	for _, l := range i18n.Languages() {
		out = append(out, languageChoice{Code: l, Name: languageNames[l], Chosen: l == chosen})
	}
	return out
}

// setLanguage records the language the user reads the pages in ("" to
// follow the browser's).
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request, v *visit) error {
	lang := r.PostFormValue("language")
	if err := s.store.SetUserLanguage(r.Context(), v.actor, lang); err != nil {
		return err
	}
	return s.redirect(w, r, "/account", "flash.language")
}

// flashSep separates a flash message's catalog key from its arguments.
const flashSep = "\x1f"

// flashOf is a flash message the next page shows in its visitor's
// language: a catalog key and the texts it takes.
func flashOf(key string, args ...string) string {
	return strings.Join(append([]string{key}, args...), flashSep)
}

// flashText is a flash message in p's language: a catalog key with its
// arguments (flashOf, or a bare key), else the message as it was left
// (the legal team's pages leave theirs in English).
func flashText(p *i18n.Printer, flash string) string {
	parts := strings.Split(flash, flashSep)
	if !p.Has(parts[0]) {
		return strings.Join(parts, " ")
	}
	args := make([]any, len(parts)-1)
	for i, a := range parts[1:] {
		args[i] = a
	}
	return p.T(parts[0], args...)
}

// printer is the printer of the visit's language.
func (s *Server) printer(v *visit) *i18n.Printer { return s.catalog.Printer(v.language()) }
