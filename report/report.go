package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"writ"
)

// Schema names the report format and its version. Fields are only ever
// added to a version; a change in meaning of any field gets a new one.
// Version 2 bands only US national-security process, by the structure of
// 50 U.S.C. 1874(a) it names, and leaves out the categories of demand it
// states (rulebook v2 §9).
const Schema = "writ.transparency-report/v2"

// SchemaVersion is the version number the CSV's first column carries.
const SchemaVersion = 2

// SchemaV1 is the first version, which banded every demand that met the
// national-security test. Published reports of it still parse and render;
// this writ neither builds nor verifies them.
const SchemaV1 = "writ.transparency-report/v1"

// Basis says which demands a period counts: those received in it, as the
// industry's reports do. A demand received in the period and still open
// when the report was computed is counted as pending; the next report of
// the same period (computed at a later checkpoint) counts it with its
// outcome.
const Basis = "received"

// OutcomeGroups are the groups every demand of a period falls into exactly
// once: the six outcomes of a closed demand, then pending for a demand
// still open at the report's checkpoint.
func OutcomeGroups() []string { return append(writ.Outcomes(), Pending) }

// Pending is the outcome group of a demand still open at the checkpoint.
const Pending = "pending"

// NationalSecurityGroup is the outcome group of the CSV's band rows.
const NationalSecurityGroup = "national_security"

// NotIncludedGroup is the outcome group of the CSV's last row, which
// states the categories of demand the report leaves out.
const NotIncludedGroup = "not_included"

// Report is a transparency report for one period, computed from the
// records as of one checkpoint of the audit log. Its JSON encoding (JSON)
// is the published, hashed and verifiable form; SCHEMA.md documents it.
type Report struct {
	Schema string `json:"schema"`
	Period string `json:"period"`
	// PeriodStart and PeriodEnd bound the receipt times counted: start
	// included, end excluded.
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Basis       string    `json:"basis"`
	// AsOf is when the report was computed; a non-disclosure order is
	// outstanding when it had not ended by then.
	AsOf time.Time `json:"as_of"`
	// Checkpoint is the audit log checkpoint the report was computed at:
	// only records committed to the log before entry TreeSize count.
	Checkpoint Checkpoint `json:"checkpoint"`
	// Rulebook is the version of the rulebook that classified the demands.
	Rulebook string `json:"rulebook"`
	// Preliminary is true for a report computed before its half-year
	// ended: its figures will change, and it is never published.
	Preliminary bool `json:"preliminary,omitempty"`

	// Totals are over every country; US national-security process and the
	// categories of demand left out are in none of the exact figures.
	Totals Figures `json:"totals"`
	// Countries are by the requesting authority's country, sorted by code.
	Countries []CountryFigures `json:"countries"`
	// Rows are the table of the CSV: one per country × outcome group.
	Rows []Row `json:"rows"`
	// Instruments lists every instrument of the rulebook except those of
	// US national-security process, with the demands made with it. One of
	// those is listed only when demands of foreign national-security
	// authorities, included by the rulebook, were made with it.
	Instruments []InstrumentFigures `json:"instruments"`
	// DataCategories counts the demands asking for each category; a
	// demand asking for two is counted under both.
	DataCategories []CategoryFigures `json:"data_categories"`
	// NationalSecurity gives US national-security process, only in bands.
	NationalSecurity NationalSecurity `json:"national_security"`
	// NotIncluded states the categories of demand left out of every
	// figure.
	NotIncluded NotIncluded `json:"not_included"`
	// Reconciliation records the checks the figures passed.
	Reconciliation Reconciliation `json:"reconciliation"`
}

// Checkpoint identifies a checkpoint of the audit log.
type Checkpoint struct {
	Origin   string `json:"origin"`
	TreeSize int64  `json:"tree_size"`
	// RootHash is the base64 RFC 6962 root hash of the tree of TreeSize
	// entries.
	RootHash string `json:"root_hash"`
	// Note is the checkpoint as signed by the log's key (C2SP
	// tlog-checkpoint).
	Note string `json:"note"`
}

// Figures are the exact counts of a set of demands.
type Figures struct {
	// Demands is how many demands were received.
	Demands int64 `json:"demands_received"`
	// Accounts is how many accounts they named.
	Accounts int64 `json:"accounts_specified"`
	// Outcomes divides Demands among the outcome groups.
	Outcomes Outcomes `json:"outcomes"`
	// Emergency is how many were emergency requests, and EmergencyWithData
	// how many of those ended with data disclosed.
	Emergency         int64 `json:"emergency_demands"`
	EmergencyWithData int64 `json:"emergency_demands_with_data"`
	// EnterpriseCustomers is how many distinct enterprise and public-sector
	// customers the demands named, and EnterpriseCustomersWithData how many
	// of them had data disclosed. Distinct counts: a customer named from
	// two countries counts once in the totals.
	EnterpriseCustomers         int64 `json:"enterprise_customers_affected"`
	EnterpriseCustomersWithData int64 `json:"enterprise_customers_with_data"`
	// DelayedNotices is how many demands carry a non-disclosure order that
	// had not ended at AsOf, so the customer has still not been told.
	DelayedNotices int64 `json:"delayed_notices_outstanding"`
}

// Outcomes gives each outcome group's share of the demands.
type Outcomes struct {
	ContentDisclosed    Share `json:"content_disclosed"`
	NonContentDisclosed Share `json:"non_content_disclosed"`
	NoData              Share `json:"no_data"`
	Rejected            Share `json:"rejected"`
	Redirected          Share `json:"redirected"`
	Withdrawn           Share `json:"withdrawn"`
	Pending             Share `json:"pending"`
}

// Share is a number of demands and its percentage of the demands it is a
// share of, computed from the two counts and never by adding percentages.
type Share struct {
	Demands int64   `json:"demands"`
	Percent Percent `json:"percent"`
}

// Group returns the share of an outcome group; nil for an unknown group.
func (o *Outcomes) Group(name string) *Share {
	switch name {
	case writ.OutcomeContentDisclosed:
		return &o.ContentDisclosed
	case writ.OutcomeNonContentDisclosed:
		return &o.NonContentDisclosed
	case writ.OutcomeNoData:
		return &o.NoData
	case writ.OutcomeRejected:
		return &o.Rejected
	case writ.OutcomeRedirected:
		return &o.Redirected
	case writ.OutcomeWithdrawn:
		return &o.Withdrawn
	case Pending:
		return &o.Pending
	}
	return nil
}

// Closed is the number of demands in the six outcomes, leaving out the
// pending ones.
func (o Outcomes) Closed() int64 {
	return o.ContentDisclosed.Demands + o.NonContentDisclosed.Demands + o.NoData.Demands +
		o.Rejected.Demands + o.Redirected.Demands + o.Withdrawn.Demands
}

// Percent is a percentage to one decimal place, kept as tenths so that it
// is exact and prints the same everywhere: 333 is 33.3 %.
type Percent int64

// PercentOf returns part/whole as a percentage rounded half up to a tenth;
// 0 when whole is 0.
func PercentOf(part, whole int64) Percent {
	if whole <= 0 {
		return 0
	}
	return Percent((part*2000 + whole) / (2 * whole))
}

// String prints the percentage as "33.3".
func (p Percent) String() string {
	return strconv.FormatInt(int64(p)/10, 10) + "." + strconv.FormatInt(int64(p)%10, 10)
}

// MarshalJSON writes the percentage as a number with one decimal.
func (p Percent) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON reads a number with at most one decimal.
func (p *Percent) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < 0 || f > 100 {
		return fmt.Errorf("report: %s is not a percentage", b)
	}
	*p = Percent(f*10 + 0.5)
	return nil
}

// CountryFigures are the figures of the demands of one country's
// authorities.
type CountryFigures struct {
	Country     string `json:"country"`
	CountryName string `json:"country_name"`
	Figures
}

// Row is one line of the report's table: the demands of one country in
// one outcome group. Its figures add up: a country's rows sum to the
// country's figures, and all rows to the totals.
type Row struct {
	Period       string  `json:"period"`
	Country      string  `json:"country"`
	CountryName  string  `json:"country_name"`
	OutcomeGroup string  `json:"outcome_group"`
	Demands      int64   `json:"demands"`
	Percent      Percent `json:"percent"` // of the country's demands
	Accounts     int64   `json:"accounts_specified"`
	Emergency    int64   `json:"emergency_demands"`
	// DelayedNotices is as in Figures.
	DelayedNotices int64 `json:"delayed_notices_outstanding"`
}

// InstrumentFigures are the demands made with one instrument.
type InstrumentFigures struct {
	Instrument string   `json:"instrument"`
	Name       string   `json:"name"`
	Citation   string   `json:"citation"`
	Demands    int64    `json:"demands_received"`
	Accounts   int64    `json:"accounts_specified"`
	Outcomes   Outcomes `json:"outcomes"`
}

// CategoryFigures are the demands that asked for one data category.
type CategoryFigures struct {
	Category string   `json:"category"`
	Demands  int64    `json:"demands_received"`
	Accounts int64    `json:"accounts_specified"`
	Outcomes Outcomes `json:"outcomes"`
}

// NationalSecurity reports US national-security process (national
// security letters, FISA orders and directives) in bands only, by one of
// the structures of 50 U.S.C. 1874(a) (rulebook §9). The section is always
// present, even when no such process was received, so that its presence
// tells nothing.
type NationalSecurity struct {
	// Structure is the structure's code (a1, a2, a3, a4) and Citation its
	// provision.
	Structure string `json:"structure"`
	Citation  string `json:"citation"`
	BandWidth int    `json:"band_width"`
	// Separate says national security letters, FISA process for contents
	// and FISA process for non-contents are counted apart (a1, a2), not as
	// one figure (a3, a4).
	Separate bool `json:"separate"`
	// Annual says the structure reports once a year, in the report of a
	// second half-year, for the calendar year before (a4).
	Annual bool `json:"reported_annually"`
	// Figures are the bands, in the order of 1874(a); empty when Withheld
	// says why.
	Figures []BandFigure `json:"figures"`
	// Withheld is WithheldAnnual or WithheldHalfYearNotEnded when the
	// report gives no figures, "" otherwise.
	Withheld string `json:"figures_withheld"`
}

// BandFigure is one figure of US national-security process, in bands: how
// much of it was received in a period, and how many selectors (accounts)
// it targeted.
type BandFigure struct {
	// Process is ProcessCombined, or where the figures are separate one of
	// rules.ClassNSL, rules.ClassFISAContents, rules.ClassFISANonContents.
	Process string `json:"process"`
	// Period names the time of receipt covered: a half-year ("2025-H1")
	// or a calendar year ("2025"). PeriodStart and PeriodEnd bound it:
	// start included, end excluded.
	Period      string    `json:"period"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Demands     string    `json:"demands_band"`
	Selectors   string    `json:"selectors_band"`
}

// NotIncluded states, in words, the categories of demand a report leaves
// out of every figure: how many and which, never a count of the demands.
// It is in every report, whether or not such a demand was received, so
// that its presence tells nothing.
type NotIncluded struct {
	// Categories are codes: CategoryForeignNationalSecurity unless the
	// rulebook includes those demands.
	Categories []string `json:"categories"`
	Statement  string   `json:"statement"`
}

// Band returns the band of width that n falls in, as "250-499".
func Band(n int64, width int) string {
	w := int64(width)
	low := n / w * w
	return fmt.Sprintf("%d-%d", low, low+w-1)
}

// Reconciliation records what the figures were checked against when the
// report was built. A report is only ever built when every check passed.
type Reconciliation struct {
	// DemandsCounted and ClosedCounted are the independent counts of the
	// period's demands (US national-security process and the categories
	// left out taken away) that the figures were reconciled with.
	DemandsCounted int64    `json:"demands_counted"`
	ClosedCounted  int64    `json:"closed_demands_counted"`
	Checks         []string `json:"checks"`
}

// JSON returns the report's published form: indented JSON ending in a
// newline. The same report always gives the same bytes.
func (r *Report) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return buf.Bytes(), nil
}

// SHA256 returns the hex SHA-256 of a published report's bytes, which
// publishing appends to the audit log.
func SHA256(published []byte) string {
	sum := sha256.Sum256(published)
	return hex.EncodeToString(sum[:])
}

// Parse reads a published report of this schema or of SchemaV1 (whose
// Schema field says so). EINVALID when it is neither.
func Parse(data []byte) (*Report, error) {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, writ.Errorf(writ.EINVALID, "not a transparency report: %v", err)
	}
	var r *Report
	switch head.Schema {
	case Schema:
		r = &Report{}
		if err := decodeStrict(data, r); err != nil {
			return nil, err
		}
	case SchemaV1:
		var err error
		if r, err = parseV1(data); err != nil {
			return nil, err
		}
	default:
		return nil, writ.FieldErrorf("schema", "unknown report schema %q (this writ reads %s and %s)", head.Schema, Schema, SchemaV1)
	}
	if _, err := ParsePeriod(r.Period); err != nil {
		return nil, err
	}
	return r, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return writ.Errorf(writ.EINVALID, "not a transparency report: %v", err)
	}
	return nil
}
