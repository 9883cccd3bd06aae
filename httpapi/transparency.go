package httpapi

import (
	"bytes"
	"net/http"

	"writ"
	"writ/report"
)

// The published transparency reports as files — JSON, CSV and PDF — the
// checkpoint each was computed at, and the warrant canary. They show only
// what was published (the bytes whose hash the log holds), never figures
// computed on request. The pages that list and show the reports are the
// web application's (package web).

// publishedReport reads the published report of the path's period: the
// latest, or the version whose SHA-256 the query's sha256 names (a
// publication the latest replaced stays public).
func (s *Server) publishedReport(r *http.Request) (writ.Publication, *report.Report, error) {
	return s.archive.Report(r.Context(), r.PathValue("period"), r.URL.Query().Get("sha256"))
}

// transparencyJSON serves a published report exactly as published, so its
// SHA-256 is the one the log holds.
func (s *Server) transparencyJSON(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.publishedReport(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="writ-transparency-`+p.Period+`.json"`)
	w.Write(p.Body)
	return nil
}

// transparencyCSV serves a published report's table.
func (s *Server) transparencyCSV(w http.ResponseWriter, r *http.Request) error {
	p, rep, err := s.publishedReport(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.WriteCSV(&b, rep); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", `attachment; filename="writ-transparency-`+p.Period+`.csv"`)
	w.Write(b.Bytes())
	return nil
}

// transparencyPDF serves a published report as a printable PDF, in the
// language the query's lang chooses, else the one the browser asks for.
// The JSON and CSV stay language-neutral: they are versioned machine
// formats, and the JSON's bytes are the ones the log's hash binds.
func (s *Server) transparencyPDF(w http.ResponseWriter, r *http.Request) error {
	p, rep, err := s.publishedReport(r)
	if err != nil {
		return err
	}
	page, err := s.archive.Page(r.Context(), p, rep)
	if err != nil {
		return err
	}
	if s.catalogErr != nil {
		return s.catalogErr
	}
	lang := s.catalog.Choose(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	w.Header().Add("Vary", "Accept-Language")
	var b bytes.Buffer
	if err := report.WritePDF(&b, page, s.catalog.Printer(lang)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="writ-transparency-`+p.Period+`.pdf"`)
	w.Write(b.Bytes())
	return nil
}

// transparencyCheckpoint serves the signed checkpoint a published report
// was computed at.
func (s *Server) transparencyCheckpoint(w http.ResponseWriter, r *http.Request) error {
	_, rep, err := s.publishedReport(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(rep.Checkpoint.Note))
	return nil
}

// transparencyCanary serves the latest published warrant canary, a note
// signed with the log's key.
func (s *Server) transparencyCanary(w http.ResponseWriter, r *http.Request) error {
	p, err := s.store.LatestPublication(r.Context(), "canary", "")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(p.Body)
	return nil
}
