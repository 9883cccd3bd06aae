package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/i18n"
	"writ/report"
	"writ/store"
)

const reportUsage = `Usage:
    writ report --period 2026-H2 [--format json|csv|html|pdf] [--lang en|fr|de] [--out FILE]
                [--publish] [--bands a1|a2|a3|a4] [--db …] [--log-key FILE] [--checkpoint FILE]
                compute the transparency report of a half-year from the records
                as of a checkpoint of the audit log (by default one signed now);
                US national-security process is in bands by the structure of
                50 U.S.C. 1874(a) the rulebook sets, or the one --bands names;
                html and pdf are written in the language --lang names (English
                by default), json and csv are language-neutral machine formats
    writ report verify [--db …] [--log-key FILE | --verifier-key KEY] REPORT.json
                recompute a published report from the log and from the records
                and say whether every figure matches
`

// runReport is the report command.
//
// Long because: its flags, then its steps in the order each needs the one
// before (open, build or verify, write); split, each piece would be called
// once and read out of order.
func runReport(ctx context.Context, sio *stdio, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "verify":
			return runReportVerify(ctx, sio, args[1:])
		case "-h", "--help", "help":
			fmt.Fprint(sio.err, reportUsage)
			return nil
		}
	}
	fs := newFlagSet(sio, "report", "report --period 2026-H2 [--format json|csv|html|pdf] [--lang en|fr|de] [--out FILE] [--publish] [--bands a1|a2|a3|a4] [--db PATH|URL] [--log-key FILE] [--checkpoint FILE]")
	sf := addStoreFlags(fs, true)
	kf := addLogKeyFlags(fs, true)
	periodFlag := fs.String("period", "", "the half-year to report on, as 2026-H1 or 2026-H2")
	format := fs.String("format", "json", "json, csv, html or pdf")
	lang := fs.String("lang", i18n.English, "the `language` of an html or pdf report: en, fr or de (json and csv are language-neutral)")
	out := fs.String("out", "", "write the report to this `file` instead of standard output")
	cpFile := fs.String("checkpoint", "", "compute the report as of this signed checkpoint `file` instead of one signed now")
	publish := fs.Bool("publish", false, "publish the report: keep it for /transparency and append its SHA-256 to the audit log")
	asOf := fs.String("as-of", "", "judge outstanding non-disclosure orders as of this RFC 3339 `time` instead of now (bands are given only from the end of the half-year)")
	bands := fs.String("bands", "", "the `structure` of 50 U.S.C. 1874(a) for US national-security process: a1, a2, a3 or a4 (default: the rulebook's)")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if *periodFlag == "" {
		return writ.FieldErrorf("period", "required: the half-year to report on, as 2026-H2")
	}
	period, err := report.ParsePeriod(*periodFlag)
	if err != nil {
		return err
	}
	if !slices.Contains([]string{"json", "csv", "html", "pdf"}, *format) {
		return writ.FieldErrorf("format", "%q is not json, csv, html or pdf", *format)
	}
	if !i18n.Valid(*lang) {
		return writ.FieldErrorf("lang", "%q is not en, fr or de", *lang)
	}
	if *format == "pdf" && *out == "" && isTerminal(sio.out) {
		return hinted{err: writ.FieldErrorf("out", "a PDF is not written to a terminal"),
			hint: "pass --out report.pdf, or redirect standard output to a file"}
	}
	var at time.Time
	if *asOf != "" {
		if at, err = time.Parse(time.RFC3339, *asOf); err != nil {
			return writ.FieldErrorf("as-of", "not an RFC 3339 time: %q", *asOf)
		}
	}
	if err := sf.mustExist(true); err != nil {
		return err
	}
	key, err := kf.load(sf.db)
	if err != nil {
		return err
	}
	st, rb, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	reports := report.NewService(st, rb, nil)
	if _, err := reports.BandStructure(*bands); err != nil {
		return err
	}
	var signed []byte
	if *cpFile != "" {
		if signed, err = os.ReadFile(*cpFile); err != nil {
			return writ.FieldErrorf("checkpoint", "%v", err)
		}
	} else if signed, err = st.IssueCheckpoint(ctx, key.Signer); err != nil {
		return err
	}
	actor := writ.System()
	r, err := reports.BuildReport(ctx, actor, report.BuildOptions{Period: period, Checkpoint: signed, Verifier: key.Verifier, AsOf: at, Bands: *bands})
	if err != nil {
		return err
	}
	published, err := r.JSON()
	if err != nil {
		return err
	}
	page := report.Page{Report: r, SHA256: report.SHA256(published)}
	if *publish {
		p, err := reports.PublishReport(ctx, actor, published)
		if writ.ErrorCode(err) == writ.ECONFLICT && r.Preliminary {
			return hinted{err: err, hint: "leave out --publish to see the preliminary figures"}
		}
		if err != nil {
			return err
		}
		page.Published, page.LogIndex, page.PublishedAt = true, p.LogIndex, p.PublishedAt
		fmt.Fprintf(sio.err, "published report %s (sha256 %s) at log entry %d\n", r.Period, p.SHA256, p.LogIndex)
		if p.Replaces != "" {
			fmt.Fprintf(sio.err, "it replaces the report published before with sha256 %s, which stays public\n", p.Replaces)
		}
	} else if r.Preliminary {
		fmt.Fprintf(sio.err, "preliminary: %s has not ended, so these figures will change; it cannot be published before %s\n",
			r.Period, r.PeriodEnd.UTC().Format("2006-01-02"))
	}
	if *format == "html" || *format == "pdf" {
		if page.History, err = history(ctx, st, r); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	switch *format {
	case "json":
		buf.Write(published)
	case "csv":
		err = report.WriteCSV(&buf, r)
	case "html", "pdf":
		err = writeReadable(&buf, *format, page, *lang)
	}
	if err != nil {
		return err
	}
	if *out != "" {
		return os.WriteFile(*out, buf.Bytes(), 0o644)
	}
	_, err = sio.out.Write(buf.Bytes())
	return err
}

// writeReadable writes a report for people, as html or pdf, in lang.
func writeReadable(w io.Writer, format string, page report.Page, lang string) error {
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	if format == "pdf" {
		return report.WritePDF(w, page, cat.Printer(lang))
	}
	return report.WriteHTML(w, page, cat.Printer(lang))
}

// history is the totals of every published report of another period and
// of r, oldest period first, for the chart over periods.
func history(ctx context.Context, st *store.Store, r *report.Report) ([]report.PeriodTotals, error) {
	published, err := st.Publications(ctx, "report")
	if err != nil {
		return nil, err
	}
	out := []report.PeriodTotals{report.HistoryOf(r)}
	for _, p := range published {
		if p.Period == r.Period {
			continue
		}
		other, err := report.Parse(p.Body)
		if err != nil {
			return nil, fmt.Errorf("published report %s: %w", p.Period, err)
		}
		out = append(out, report.HistoryOf(other))
	}
	slices.SortFunc(out, func(a, b report.PeriodTotals) int { return strings.Compare(a.Period, b.Period) })
	return out, nil
}

// verifierOf returns the audit log's verifier: the key given as text, or
// the one in the key file.
func verifierOf(vkey string, kf *logKeyFlags, db string) (note.Verifier, error) {
	if vkey != "" {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, writ.FieldErrorf("verifier-key", "%v", err)
		}
		return v, nil
	}
	if kf.path == "" {
		kf.path = filepath.Join(dataDir(db), "log.key")
	}
	if _, err := os.Stat(kf.path); err != nil {
		return nil, hinted{err: fmt.Errorf("no log key at %s", kf.path), hint: "give --log-key FILE or --verifier-key KEY (as \"writ log key\" prints it)"}
	}
	key, err := kf.load(db)
	if err != nil {
		return nil, err
	}
	return key.Verifier, nil
}

// problemsError lists what failed verification, one problem a line.
type problemsError struct {
	what     string
	problems []string
}

func (e *problemsError) Error() string {
	const most = 40
	shown, more := e.problems, ""
	if len(shown) > most {
		shown, more = shown[:most], fmt.Sprintf("\n  … and %d more", len(e.problems)-most)
	}
	return fmt.Sprintf("%s does not verify (%d problems):\n  %s%s", e.what, len(e.problems), strings.Join(shown, "\n  "), more)
}

func runReportVerify(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "report verify", "report verify [--db PATH|URL] [--log-key FILE | --verifier-key KEY] REPORT.json")
	sf := addStoreFlags(fs, true)
	kf := addLogKeyFlags(fs, false)
	vkey := fs.String("verifier-key", "", "check the report's checkpoint with this verifier `key` instead of the key file")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	published, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return writ.Errorf(writ.EINVALID, "%v", err)
	}
	if err := sf.mustExist(true); err != nil {
		return err
	}
	verifier, err := verifierOf(*vkey, kf, sf.db)
	if err != nil {
		return err
	}
	st, rb, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	v, err := report.NewService(st, rb, nil).VerifyReport(ctx, writ.System(), published, verifier)
	if err != nil {
		return err
	}
	r := v.Report
	if len(v.Problems) > 0 {
		return &problemsError{what: "report " + r.Period, problems: v.Problems}
	}
	fmt.Fprintf(sio.out, "report %s verified: the log's first %d entries give root %s, and the %d demands of the period they hold give every figure of the report, from the log and from the records alike (%s)\n",
		r.Period, r.Checkpoint.TreeSize, r.Checkpoint.RootHash, v.Demands, time.Since(start).Round(time.Millisecond))
	if v.Published != nil {
		fmt.Fprintf(sio.out, "published %s at log entry %d (sha256 %s)\n", v.Published.PublishedAt.Format(time.RFC3339), v.Published.LogIndex, v.Published.SHA256)
	} else {
		fmt.Fprintln(sio.out, "this report was not published from this database")
	}
	return nil
}

// isTerminal says whether w is a terminal (a character device), where binary
// output would garble the screen.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
