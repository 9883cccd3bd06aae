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
		"accounts_specified", "emergency_demands", "delayed_notices_outstanding", "demands_band", "accounts_band"}
}

// WriteCSV writes the report's table: the header row, then one row per
// country × outcome group with exact figures (the band columns empty), then
// one row for the national-security demands of every country together,
// with outcome group national_security, the exact columns empty and the
// bands filled in. RFC 4180, UTF-8, CRLF line ends, as spreadsheets expect.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	version := strconv.Itoa(SchemaVersion)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	if err := cw.Write(CSVHeader()); err != nil {
		return err
	}
	for _, row := range r.Rows {
		err := cw.Write([]string{version, row.Period, row.Country, row.CountryName, row.OutcomeGroup, n(row.Demands), row.Percent.String(),
			n(row.Accounts), n(row.Emergency), n(row.DelayedNotices), "", ""})
		if err != nil {
			return err
		}
	}
	ns := r.NationalSecurity
	if err := cw.Write([]string{version, r.Period, "", "", NationalSecurityGroup, "", "", "", "", "", ns.Demands, ns.Accounts}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
