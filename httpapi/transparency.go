package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"writ"
	"writ/httpbase"
	"writ/report"
)

// The public transparency pages: the published reports, each as an HTML
// page with its charts and as JSON, CSV and PDF, the checkpoint each was
// computed at, and the warrant canary. They show only what was published
// (the bytes whose hash the log holds), never figures computed on request.

// transparencyIndex lists the published reports.
func (s *Server) transparencyIndex(w http.ResponseWriter, r *http.Request) error {
	reports, err := s.publishedReports(r.Context())
	if err != nil {
		return s.pageError(w, r, err)
	}
	page := report.IndexPage{Reports: []report.IndexEntry{}}
	for _, p := range reports {
		entry := report.IndexEntry{Period: p.report.Period, Demands: p.report.Totals.Demands,
			Link: "/transparency/" + p.report.Period, PublishedAt: p.PublishedAt}
		if p.Replaces != "" {
			versions, err := s.store.PublicationVersions(r.Context(), "report", p.Period)
			if err != nil {
				return s.pageError(w, r, err)
			}
			entry.Replaced = versionLinks(versions[1:])
		}
		page.Reports = append(page.Reports, entry)
		page.History = append(page.History, report.HistoryOf(p.report))
	}
	slices.Reverse(page.History)
	if _, err := s.store.LatestPublication(r.Context(), "canary", ""); err == nil {
		page.CanaryLink = "/transparency/canary"
	} else if writ.ErrorCode(err) != writ.ENOTFOUND {
		return s.pageError(w, r, err)
	}
	return s.writePage(w, r, http.StatusOK, func(b *bytes.Buffer) error { return report.WriteIndexHTML(b, page) })
}

// transparencyReport shows a published report with its charts.
func (s *Server) transparencyReport(w http.ResponseWriter, r *http.Request) error {
	p, rep, err := s.publishedReport(r)
	if err != nil {
		return s.pageError(w, r, err)
	}
	page, err := s.reportPage(r.Context(), p, rep)
	if err != nil {
		return s.pageError(w, r, err)
	}
	return s.writePage(w, r, http.StatusOK, func(b *bytes.Buffer) error { return report.WriteHTML(b, page) })
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

// transparencyPDF serves a published report as a printable PDF.
func (s *Server) transparencyPDF(w http.ResponseWriter, r *http.Request) error {
	p, rep, err := s.publishedReport(r)
	if err != nil {
		return err
	}
	page, err := s.reportPage(r.Context(), p, rep)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.WritePDF(&b, page); err != nil {
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

// published is a publication of a report with the report read.
type published struct {
	writ.Publication
	report *report.Report
}

// publishedReports reads the latest report of every period, newest first.
func (s *Server) publishedReports(ctx context.Context) ([]published, error) {
	list, err := s.store.Publications(ctx, "report")
	if err != nil {
		return nil, err
	}
	out := make([]published, 0, len(list))
	for _, p := range list {
		rep, err := report.Parse(p.Body)
		if err != nil {
			return nil, errors.New("published report " + p.Period + " does not parse: " + err.Error())
		}
		out = append(out, published{Publication: p, report: rep})
	}
	return out, nil
}

// publishedReport reads the published report of the path's period: the
// latest, or the version whose SHA-256 the query's sha256 names (a
// publication the latest replaced stays public).
func (s *Server) publishedReport(r *http.Request) (writ.Publication, *report.Report, error) {
	period, err := report.ParsePeriod(r.PathValue("period"))
	if err != nil {
		return writ.Publication{}, nil, err
	}
	p, err := s.store.LatestPublication(r.Context(), "report", period.String())
	if err != nil {
		return p, nil, err
	}
	if sha := r.URL.Query().Get("sha256"); sha != "" && sha != p.SHA256 {
		versions, err := s.store.PublicationVersions(r.Context(), "report", period.String())
		if err != nil {
			return p, nil, err
		}
		i := slices.IndexFunc(versions, func(v writ.Publication) bool { return v.SHA256 == sha })
		if i < 0 {
			return p, nil, writ.Errorf(writ.ENOTFOUND, "no report of %s with SHA-256 %s was published", period, sha)
		}
		p = versions[i]
	}
	rep, err := report.Parse(p.Body)
	if err != nil {
		return p, nil, errors.New("published report " + p.Period + " does not parse: " + err.Error())
	}
	return p, rep, nil
}

// reportPage is a published report as a page: its links, where the log
// records its publication, and the totals of every published period for
// the chart over time.
func (s *Server) reportPage(ctx context.Context, p writ.Publication, rep *report.Report) (report.Page, error) {
	all, err := s.publishedReports(ctx)
	if err != nil {
		return report.Page{}, err
	}
	var history []report.PeriodTotals
	for _, other := range all {
		if other.Period == rep.Period {
			history = append(history, report.HistoryOf(rep))
		} else {
			history = append(history, report.HistoryOf(other.report))
		}
	}
	slices.Reverse(history)
	base, version := "/transparency/"+rep.Period, ""
	page := report.Page{Report: rep, History: history, SHA256: p.SHA256, Published: true, LogIndex: p.LogIndex, PublishedAt: p.PublishedAt}
	versions, err := s.store.PublicationVersions(ctx, "report", p.Period)
	if err != nil {
		return page, err
	}
	for i, v := range versions {
		if v.SHA256 != p.SHA256 {
			continue
		}
		if i > 0 {
			// An older version: its links keep to it, and it names the
			// one in force.
			version = "?sha256=" + p.SHA256
			page.ReplacedBy = &versionLinks(versions[:1])[0]
			page.ReplacedBy.Link = base
		}
		page.Replaced = versionLinks(versions[i+1:])
	}
	page.Links = report.Links{Index: "/transparency", JSON: base + "/report.json" + version, CSV: base + "/report.csv" + version,
		PDF: base + "/report.pdf" + version, Checkpoint: base + "/checkpoint" + version}
	return page, nil
}

// versionLinks are publications of a period as the pages link them.
func versionLinks(list []writ.Publication) []report.Version {
	out := []report.Version{}
	for _, v := range list {
		out = append(out, report.Version{SHA256: v.SHA256, PublishedAt: v.PublishedAt, Link: "/transparency/" + v.Period + "?sha256=" + v.SHA256})
	}
	return out
}

// writePage renders a page fully, then sends it under the pages' content
// security policy.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, render func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return s.pageError(w, r, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", report.ContentSecurityPolicy())
	w.WriteHeader(status)
	w.Write(b.Bytes())
	return nil
}

// pageError answers a page's failure with an HTML page of the status the
// error's code maps to. An internal error is logged and its text never
// shown.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) error {
	code := writ.ErrorCode(err)
	if code == writ.EINTERNAL {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	status := httpbase.Status(code)
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
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", report.ContentSecurityPolicy())
	if code == writ.EUNAVAILABLE {
		h.Set("Retry-After", "5")
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
	return nil
}
