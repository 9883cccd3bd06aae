package web

import (
	"bytes"
	"net/http"
	"net/url"

	"writ"
	"writ/i18n"
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
		w.Header().Add("Vary", "Accept-Language")
		if err := rt.handler(s, w, r, &visit{path: r.URL.Path, lang: s.anonymousLanguage(r)}); err != nil {
			s.transparencyError(w, r, err)
		}
	})
}

// transparencyIndex lists the published reports.
func (s *Server) transparencyIndex(w http.ResponseWriter, r *http.Request, v *visit) error {
	page, err := s.archive.Index(r.Context())
	if err != nil {
		return err
	}
	chosen := chosenLanguage(r)
	if chosen != "" {
		page.PageQuery = "?lang=" + chosen
	}
	for i := range page.Reports {
		for j := range page.Reports[i].Replaced {
			page.Reports[i].Replaced[j].Link = withLanguage(page.Reports[i].Replaced[j].Link, chosen)
		}
	}
	page.Languages = reportLanguages(r, v.language())
	return s.writeReportPage(w, r, func(b *bytes.Buffer) error { return report.WriteIndexHTML(b, page, s.printer(v)) })
}

// transparencyReport shows a published report with its charts: the
// latest of its period, or the version the query's sha256 names.
func (s *Server) transparencyReport(w http.ResponseWriter, r *http.Request, v *visit) error {
	p, rep, err := s.archive.Report(r.Context(), r.PathValue("period"), r.URL.Query().Get("sha256"))
	if err != nil {
		return err
	}
	page, err := s.archive.Page(r.Context(), p, rep)
	if err != nil {
		return err
	}
	chosen := chosenLanguage(r)
	page.Links.Index = withLanguage(page.Links.Index, chosen)
	page.Links.PDF = withLanguage(page.Links.PDF, chosen)
	if page.ReplacedBy != nil {
		page.ReplacedBy.Link = withLanguage(page.ReplacedBy.Link, chosen)
	}
	for i := range page.Replaced {
		page.Replaced[i].Link = withLanguage(page.Replaced[i].Link, chosen)
	}
	page.Languages = reportLanguages(r, v.language())
	return s.writeReportPage(w, r, func(b *bytes.Buffer) error { return report.WriteHTML(b, page, s.printer(v)) })
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
	p := s.catalog.Printer(s.anonymousLanguage(r))
	title := labelIn(p, code)
	if code == writ.ENOTFOUND {
		title = p.T("report.error.not_published")
	}
	message := p.T("report.error.other")
	switch {
	case code == writ.ENOTFOUND:
		message = p.T("report.error.not_found", r.PathValue("period"))
	case code == writ.EINVALID && writ.ErrorField(err) == "sha256":
		message = p.T("report.error.sha256")
	case code == writ.EINVALID:
		message = p.T("report.error.period", r.PathValue("period"))
	case code == writ.EUNAVAILABLE:
		message = p.T("report.error.unavailable")
	}
	var b bytes.Buffer
	if err := report.WriteErrorHTML(&b, report.ErrorPage{Title: title, Message: message}, p); err != nil {
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

// anonymousLanguage is the language of a visitor who is not signed in: the
// one a page's choice of languages asked for (?lang=), else the browser's.
func (s *Server) anonymousLanguage(r *http.Request) string {
	return s.catalog.Choose(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
}

// chosenLanguage is the language a page's choice of languages asked for
// (?lang=), or "".
func chosenLanguage(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); i18n.Valid(l) {
		return l
	}
	return ""
}

// withLanguage is a link of the published pages that keeps the reader's
// language: with lang as its ?lang=, or as it is when lang is "".
func withLanguage(link, lang string) string {
	if lang == "" || link == "" {
		return link
	}
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	q := u.Query()
	q.Set("lang", lang)
	u.RawQuery = q.Encode()
	return u.String()
}

// reportLanguages are the published page r in every language, current
// the one it is shown in.
func reportLanguages(r *http.Request, current string) []report.LanguageChoice {
	var out []report.LanguageChoice
	for _, l := range languageChoices(current) {
		out = append(out, report.LanguageChoice{Code: l.Code, Name: l.Name, Link: withLanguage(r.URL.RequestURI(), l.Code), Current: l.Chosen})
	}
	return out
}
