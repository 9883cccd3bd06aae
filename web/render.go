package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync"
	"time"

	"writ"
	"writ/httpbase"
	"writ/i18n"
	"writ/rules"
	"writ/store"
)

//go:embed templates
var templateFS embed.FS

// pages holds each page's template, parsed with the layout and partials,
// once for each language: the template functions write in it. English is
// parsed at start, so that a template that does not parse stops the
// server there; the other languages, parsed from the same files with
// functions of the same names, when first asked for, so that a server
// whose visitors read one language holds one set.
type pages struct {
	a      *assets
	rb     *rules.Rulebook
	cat    *i18n.Catalog
	names  []string
	mu     sync.Mutex
	byLang map[string]map[string]*template.Template
}

func loadPages(a *assets, rb *rules.Rulebook, cat *i18n.Catalog) (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{a: a, rb: rb, cat: cat, names: names, byLang: map[string]map[string]*template.Template{}}
	if _, err := p.of(i18n.English); err != nil {
		return nil, err
	}
	return p, nil
}

// of gives the pages in lang, parsing them the first time.
func (p *pages) of(lang string) (map[string]*template.Template, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if set, ok := p.byLang[lang]; ok {
		return set, nil
	}
	fm := funcs(p.a, p.rb, p.cat.Printer(lang))
	set := map[string]*template.Template{}
	for _, name := range p.names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" || strings.HasPrefix(base, "partials") {
			continue
		}
		t, err := template.New(base).Funcs(fm).ParseFS(templateFS, "templates/layout.html", "templates/partials*.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		set[strings.TrimSuffix(base, ".html")] = t
	}
	p.byLang[lang] = set
	return set, nil
}

// page is what every template gets: the visit (for the layout), the
// page's title, and its own data.
type page struct {
	V     *visit
	Title string
	Now   time.Time
	D     any
}

// render writes a page. It renders into a buffer first, so that a failing
// template gives an error page and not half a page.
// A title that is a catalog key is shown in the visitor's language.
func (s *Server) render(w http.ResponseWriter, v *visit, status int, name, title string, data any) error {
	set, err := s.pages.of(v.language())
	if err != nil {
		return err
	}
	t, ok := set[name]
	if !ok {
		return fmt.Errorf("web: no template %s", name)
	}
	if p := s.printer(v); p.Has(title) {
		title = p.T(title)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page{V: v, Title: title, Now: s.now().UTC(), D: data}); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.language())
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// status is the HTTP status of an error code: the one mapping the API and
// the pages share.
func status(code string) int { return httpbase.Status(code) }

// failure is what the error page shows: a code and a message a person may
// read, never the text of an internal error.
type failure struct {
	Code    string
	Message string
	Field   string
}

func failureOf(err error) failure {
	err = store.Classify(err)
	f := failure{Code: writ.ErrorCode(err), Message: writ.ErrorMessage(err), Field: writ.ErrorField(err)}
	var e *writ.Error
	if errors.As(err, &e) {
		f.Message = e.Message
	}
	if f.Code == writ.EINTERNAL {
		f.Message = "Something went wrong on our side. The error was logged; try again, and tell the provider's legal team if it happens again."
	}
	return f
}

// fail shows err on an error page with the status of its code. Internal
// errors are logged with their text and shown with a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	f := failureOf(err)
	switch f.Code {
	case writ.EINTERNAL:
		s.log.ErrorContext(r.Context(), "web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case writ.EUNAVAILABLE:
		w.Header().Set("Retry-After", "5")
	}
	if err := s.render(w, v, status(f.Code), "error", s.printer(v).T("error.title", f.Code), f); err != nil {
		s.log.ErrorContext(r.Context(), "web: error page", "err", err)
		http.Error(w, f.Code, status(f.Code))
	}
}
