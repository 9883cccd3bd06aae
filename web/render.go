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
	"time"

	"writ"
	"writ/httpbase"
	"writ/rules"
	"writ/store"
)

//go:embed templates
var templateFS embed.FS

// pages holds each page's template, parsed with the layout and partials.
type pages struct {
	byName map[string]*template.Template
}

func loadPages(a *assets, rb *rules.Rulebook) (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		base := strings.TrimPrefix(name, "templates/")
		if base == "layout.html" || strings.HasPrefix(base, "partials") {
			continue
		}
		t, err := template.New(base).Funcs(funcs(a, rb)).ParseFS(templateFS, "templates/layout.html", "templates/partials*.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", base, err)
		}
		p.byName[strings.TrimSuffix(base, ".html")] = t
	}
	return p, nil
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
func (s *Server) render(w http.ResponseWriter, v *visit, status int, name, title string, data any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("web: no template %s", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page{V: v, Title: title, Now: s.now().UTC(), D: data}); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
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
	if err := s.render(w, v, status(f.Code), "error", "Error "+f.Code, f); err != nil {
		s.log.ErrorContext(r.Context(), "web: error page", "err", err)
		http.Error(w, f.Code, status(f.Code))
	}
}
