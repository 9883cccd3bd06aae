package web

import (
	"bytes"
	"net/http"
	"strings"

	"writ"
	"writ/ops"
	"writ/report"
)

// The public transparency pages: the list of published reports and each
// report with its charts. They show only what was published (the bytes
// whose hash the log holds), never figures computed on request, and are
// the report's own HTML (report.WriteHTML, as "writ report --format html"
// writes it) under its own content security policy, not the application's
// layout. The report's files (JSON, CSV, PDF, checkpoint) and the warrant
// canary are the API's (package httpapi), which Mount serves beside them.

// wrapPublished turns a published page's handler into an http.Handler:
// no session is read and no cookie set, and a failure is shown on the
// report's error page.
func (s *Server) wrapPublished(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ops.NoteRoute(r)
		w.Header().Set("Cache-Control", "no-store")
		if err := rt.handler(s, w, r, &visit{path: r.URL.Path}); err != nil {
			s.transparencyError(w, r, err)
		}
	})
}

// transparencyIndex lists the published reports.
func (s *Server) transparencyIndex(w http.ResponseWriter, r *http.Request, _ *visit) error {
	page, err := s.archive.Index(r.Context())
	if err != nil {
		return err
	}
	return s.writeReportPage(w, r, func(b *bytes.Buffer) error { return report.WriteIndexHTML(b, page) })
}

// transparencyReport shows a published report with its charts: the
// latest of its period, or the version the query's sha256 names.
func (s *Server) transparencyReport(w http.ResponseWriter, r *http.Request, _ *visit) error {
	p, rep, err := s.archive.Report(r.Context(), r.PathValue("period"), r.URL.Query().Get("sha256"))
	if err != nil {
		return err
	}
	page, err := s.archive.Page(r.Context(), p, rep)
	if err != nil {
		return err
	}
	return s.writeReportPage(w, r, func(b *bytes.Buffer) error { return report.WriteHTML(b, page) })
}

// writeReportPage renders a page fully, then sends it under the report's
// content security policy.
func (s *Server) writeReportPage(w http.ResponseWriter, r *http.Request, render func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", report.ContentSecurityPolicy())
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
	return nil
}

// transparencyError answers a published page's failure with the report's
// error page, of the status the error's code maps to. An internal error is
// logged and its text never shown.
func (s *Server) transparencyError(w http.ResponseWriter, r *http.Request, err error) {
	code := writ.ErrorCode(err)
	if code == writ.EINTERNAL {
		s.log.ErrorContext(r.Context(), "web: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := status(code)
	title := http.StatusText(status)
	message := writ.ErrorMessage(err)
	if code == writ.ENOTFOUND {
		title = "Not published"
	}
	if field := writ.ErrorField(err); field != "" {
		message = strings.TrimPrefix(message, field+": ")
	}
	var b bytes.Buffer
	if err := report.WriteErrorHTML(&b, report.ErrorPage{Title: title, Message: message}); err != nil {
		s.log.ErrorContext(r.Context(), "web: error page", "err", err)
		http.Error(w, code, status)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", report.ContentSecurityPolicy())
	if code == writ.EUNAVAILABLE {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
