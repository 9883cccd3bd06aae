package report

import (
	"context"
	"errors"
	"slices"

	"writ"
)

// Published is what the public transparency pages and files read of what
// was published (*store.Store implements it). Public data: anyone may read
// it.
type Published interface {
	// Publications lists the latest publication of a kind of every
	// period, newest period first.
	Publications(ctx context.Context, kind string) ([]writ.Publication, error)
	// PublicationVersions lists every publication of a kind for a period,
	// the latest first.
	PublicationVersions(ctx context.Context, kind, period string) ([]writ.Publication, error)
	// LatestPublication returns the latest publication of a kind for a
	// period, or for any period when period is ""; ENOTFOUND when there is
	// none.
	LatestPublication(ctx context.Context, kind, period string) (writ.Publication, error)
}

// Archive reads the published reports as the public pages (package web)
// and files (package httpapi) show them, under /transparency: only what
// was published (the bytes whose hash the log holds), never figures
// computed on request.
type Archive struct {
	published Published
}

// NewArchive returns the archive of what p holds.
func NewArchive(p Published) Archive { return Archive{published: p} }

// publishedReport is a publication of a report with the report read.
type publishedReport struct {
	writ.Publication
	report *Report
}

// Index is the page listing the latest report of every period, with the
// versions each replaced, and the warrant canary when one is published.
func (a Archive) Index(ctx context.Context) (IndexPage, error) {
	reports, err := a.reports(ctx)
	if err != nil {
		return IndexPage{}, err
	}
	page := IndexPage{Reports: []IndexEntry{}}
	for _, p := range reports {
		entry := IndexEntry{Period: p.report.Period, Demands: p.report.Totals.Demands,
			Link: "/transparency/" + p.report.Period, PublishedAt: p.PublishedAt}
		if p.Replaces != "" {
			versions, err := a.published.PublicationVersions(ctx, "report", p.Period)
			if err != nil {
				return page, err
			}
			entry.Replaced = versionLinks(versions[1:])
		}
		page.Reports = append(page.Reports, entry)
		page.History = append(page.History, HistoryOf(p.report))
	}
	slices.Reverse(page.History)
	if _, err := a.published.LatestPublication(ctx, "canary", ""); err == nil {
		page.CanaryLink = "/transparency/canary"
	} else if writ.ErrorCode(err) != writ.ENOTFOUND {
		return page, err
	}
	return page, nil
}

// reports reads the latest report of every period, newest first.
func (a Archive) reports(ctx context.Context) ([]publishedReport, error) {
	list, err := a.published.Publications(ctx, "report")
	if err != nil {
		return nil, err
	}
	out := make([]publishedReport, 0, len(list))
	for _, p := range list {
		rep, err := Parse(p.Body)
		if err != nil {
			return nil, errors.New("published report " + p.Period + " does not parse: " + err.Error())
		}
		out = append(out, publishedReport{Publication: p, report: rep})
	}
	return out, nil
}

// Report reads the published report of a period: the latest, or the
// version whose SHA-256 sha names when it is not "" (a publication the
// latest replaced stays public). EINVALID naming "period" for a period that
// is not a half-year, ENOTFOUND for one with no such report.
func (a Archive) Report(ctx context.Context, period, sha string) (writ.Publication, *Report, error) {
	half, err := ParsePeriod(period)
	if err != nil {
		return writ.Publication{}, nil, err
	}
	p, err := a.published.LatestPublication(ctx, "report", half.String())
	if err != nil {
		return p, nil, err
	}
	if sha != "" && sha != p.SHA256 {
		versions, err := a.published.PublicationVersions(ctx, "report", half.String())
		if err != nil {
			return p, nil, err
		}
		i := slices.IndexFunc(versions, func(v writ.Publication) bool { return v.SHA256 == sha })
		if i < 0 {
			return p, nil, writ.Errorf(writ.ENOTFOUND, "no report of %s with SHA-256 %s was published", half, sha)
		}
		p = versions[i]
	}
	rep, err := Parse(p.Body)
	if err != nil {
		return p, nil, errors.New("published report " + p.Period + " does not parse: " + err.Error())
	}
	return p, rep, nil
}

// Page is a published report as a page: its links, where the log records
// its publication, and the totals of every published period for the chart
// over time.
func (a Archive) Page(ctx context.Context, p writ.Publication, rep *Report) (Page, error) {
	all, err := a.reports(ctx)
	if err != nil {
		return Page{}, err
	}
	var history []PeriodTotals
	for _, other := range all {
		if other.Period == rep.Period {
			history = append(history, HistoryOf(rep))
		} else {
			history = append(history, HistoryOf(other.report))
		}
	}
	slices.Reverse(history)
	base, version := "/transparency/"+rep.Period, ""
	page := Page{Report: rep, History: history, SHA256: p.SHA256, Published: true, LogIndex: p.LogIndex, PublishedAt: p.PublishedAt}
	versions, err := a.published.PublicationVersions(ctx, "report", p.Period)
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
	page.Links = Links{Index: "/transparency", JSON: base + "/report.json" + version, CSV: base + "/report.csv" + version,
		PDF: base + "/report.pdf" + version, Checkpoint: base + "/checkpoint" + version}
	return page, nil
}

// versionLinks are publications of a period as the pages link them.
func versionLinks(list []writ.Publication) []Version {
	out := []Version{}
	for _, v := range list {
		out = append(out, Version{SHA256: v.SHA256, PublishedAt: v.PublishedAt, Link: "/transparency/" + v.Period + "?sha256=" + v.SHA256})
	}
	return out
}
