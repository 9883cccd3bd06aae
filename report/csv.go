package report

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSVHeader is the CSV's one header row. Columns are only ever added at the
// end, in a new schema version.
func CSVHeader() []string {
	return []string{"schema_version", "period", "country", "country_name", "outcome_group", "demands", "percent",
		"accounts_specified", "emergency_demands", "delayed_notices_outstanding", "demands_band", "accounts_band",
		"band_structure", "band_process", "band_period", "note"}
}

// WriteCSV writes the report's table: the header row, then one row per
// country × outcome group with exact figures (the band columns empty);
// then, with outcome group national_security, one row per band figure of
// US national-security process (its bands, the structure, the process and
// the period it covers), or a single row saying in its note why there are
// none; last, with outcome group not_included, the statement of what the
// report leaves out. RFC 4180, UTF-8, CRLF line ends, as spreadsheets
// expect.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	version := strconv.Itoa(SchemaVersion)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	lines := [][]string{CSVHeader()}
	for _, row := range r.Rows {
		lines = append(lines, []string{version, row.Period, row.Country, row.CountryName, row.OutcomeGroup, n(row.Demands), row.Percent.String(),
			n(row.Accounts), n(row.Emergency), n(row.DelayedNotices), "", "", "", "", "", ""})
	}
	ns := r.NationalSecurity
	band := func(demands, selectors, process, period, note string) []string {
		return []string{version, r.Period, "", "", NationalSecurityGroup, "", "", "", "", "", demands, selectors, ns.Structure, process, period, note}
	}
	for _, f := range ns.Figures {
		lines = append(lines, band(f.Demands, f.Selectors, f.Process, f.Period, ProcessLabel(f.Process)+" ("+ns.Citation+")"))
	}
	if len(ns.Figures) == 0 {
		lines = append(lines, band("", "", "", "", r.WithheldText()))
	}
	lines = append(lines, []string{version, r.Period, "", "", NotIncludedGroup, "", "", "", "", "", "", "", "", "", "", r.NotIncluded.Statement})
	for _, line := range lines {
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
