// Package report builds writ's transparency reports and warrant canaries
// from counted records: pure functions from groups of demands to a Report,
// and from a Report to JSON, CSV, HTML with SVG charts, and PDF. The store
// returns rows and counts (writ.ReportRows), through the small interfaces
// declared here (Rows, History, Publisher, Published); this package decides
// what the figures are, replays the demands changed since a report's
// checkpoint from their events, reconciles, verifies a published report
// against the log and the records (Service), and writes reports out, for
// the command line, the pages (web) and the files (httpapi) alike
// (Archive).
//
// A report counts the demands received in a half-year, by the requesting
// authority's country, as of a checkpoint of the audit log, with US
// national-security process only in bands, by one of the structures of 50
// U.S.C. 1874(a), and the demands of foreign national-security authorities
// left out unless the rulebook includes them (rulebook §9). SCHEMA.md
// documents the JSON and CSV forms; they are versioned by Schema and
// SchemaVersion and only ever gain fields within a version. The same report
// always gives the same bytes in every form, so a published report's hash
// means something. A warrant canary is built from the same input as the
// report and says nothing of national-security process that the report's
// bands do not.
//
// The HTML and the PDF are written in the language of the Words the caller
// passes in (English, French or German from writ's catalogs); the JSON and
// CSV are versioned machine formats and stay language-neutral.
//
// Limits: the PDF uses the standard Helvetica font and WinAnsi encoding, so
// characters outside it print as "?"; the HTML carries its one style sheet
// inline and has no script.
package report
