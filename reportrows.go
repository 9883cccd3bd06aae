package writ

import "time"

// The rows and counts a transparency report is computed from. The store
// reads them (store.ReportRows and the methods beside it) and computes no
// figure; package report computes every figure from them, replays the
// demands changed since the report's checkpoint, and reconciles.

// ReportQuery says which records a transparency report reads: the demands
// received in its half-years, as the first LogSize entries of the audit
// log left them.
type ReportQuery struct {
	// LogSize is the tree size of the checkpoint the report is computed at.
	LogSize int64
	// AsOf is when the report is computed: a non-disclosure order that had
	// not ended by its date is outstanding.
	AsOf time.Time
	// Period is the report's half-year. Earlier are the half-years before
	// it whose US national-security process its bands cover, each with the
	// instruments of that process.
	Period  ReportPeriod
	Earlier []ReportPeriod
	// Examples asks for a demand of every group, to name in the errors of
	// a report that does not reconcile; it costs a little, so it is asked
	// for only then.
	Examples bool
}

// ReportPeriod is a half-year whose demands a report reads.
type ReportPeriod struct {
	// HalfYear names it ("2026-H2"); Start and End bound the receipt times
	// it holds, start included, end excluded.
	HalfYear   string
	Start, End time.Time
	// Instruments, when not nil, are the only instruments whose demands
	// are read.
	Instruments []string
}

// ReportRows are what a ReportQuery reads, in one snapshot of the records.
// The demands changed since the checkpoint (Touched) are in none of them.
type ReportRows struct {
	// Period are the report's half-year's rows, and Earlier those of each
	// of the query's earlier half-years, in its order.
	Period  PeriodRows
	Earlier []PeriodRows
	// Customers are, by country, the enterprise and public-sector
	// customers the report's half-year's demands name, demands with the
	// NATIONAL_SECURITY flag left out.
	Customers []CustomerGroup
	// UnknownStates names demands of the report's half-year whose state is
	// not one of writ's.
	UnknownStates []int64
	// Touched are the demands with an event at or after the checkpoint:
	// their rows may no longer be what they were at it, so a report
	// replays them from their events before it.
	Touched []int64
}

// PeriodRows are the rows and counts of one half-year's demands.
type PeriodRows struct {
	Groups []DemandGroup
	// Authority are the demands of authorities of kind national_security,
	// one each; each is also in Groups.
	Authority []AuthorityDemand
	// Counted is an independent count of the demands, made by an
	// aggregate of its own rather than summed from the groups (another
	// query on SQLite; on PostgreSQL the grand total of the groups'
	// GROUPING SETS), and Closed how many of them are closed.
	Counted, Closed int64
}

// DemandGroup is a cell of the finest grain the store counts demands in:
// every demand of the period falls in exactly one group, and every figure
// of a report is a sum over groups. The store computes the groups with one
// GROUP BY over the period's rows, keyed by what the report tells demands
// apart by; what it only adds up (emergencies, delayed notices, long
// non-disclosure orders) it sums, to keep the key short.
type DemandGroup struct {
	// Country is the requesting authority's country.
	Country string
	// Outcome is the outcome of closed demands; "" for demands still open
	// at the checkpoint.
	Outcome    string
	Instrument string
	// Categories are the data categories asked for, as recorded.
	Categories []string
	// NationalSecurityFlag is the NATIONAL_SECURITY flag the assessment
	// set; the report checks it against the rulebook's test.
	NationalSecurityFlag bool
	// Demands is how many demands the group holds, and Accounts how many
	// accounts they name.
	Demands, Accounts int64
	// Emergency is how many of them are emergency requests.
	Emergency int64
	// DelayedNotices is how many carry a non-disclosure order that had not
	// ended at the report's AsOf.
	DelayedNotices int64
	// LongGags is how many carry a non-disclosure order without end or
	// longer than the rulebook's long_ndo_after.
	LongGags int64
	// ExampleID is one demand of the group, to name in an error; 0 when
	// not known.
	ExampleID int64
}

// CustomerGroup is the demands of one country's authorities naming one
// enterprise or public-sector customer. The store leaves out every demand
// with the NATIONAL_SECURITY flag; those of them counted in exact figures
// come from national-security authorities, and the report adds them from
// PeriodRows.Authority.
type CustomerGroup struct {
	Country  string
	Customer int64
	Demands  int64
	// WithData: one of them ended with data disclosed.
	WithData bool
}

// AuthorityDemand is one demand of an authority of kind national_security.
// Whether it is counted, and where, depends on the authority's country
// (rulebook §9), which the groups do not tell: they hold it together with
// other authorities' demands alike.
type AuthorityDemand struct {
	// DemandGroup is of this one demand: Demands 1, ExampleID the demand.
	DemandGroup
	// EnterpriseCustomer is the demand's customer when it is an enterprise
	// or public-sector one, 0 otherwise.
	EnterpriseCustomer int64
}

// ReportRegistry is what a report needs of agencies and customers to count
// a demand it replayed from its events. Agencies and customers never change
// once registered.
type ReportRegistry struct {
	// AgencyCountry is every agency's country, and NationalSecurity tells
	// the agencies of kind national_security.
	AgencyCountry    map[int64]string
	NationalSecurity map[int64]bool
	// Enterprise tells the enterprise and public-sector customers among
	// those asked for.
	Enterprise map[int64]bool
}

// ReportDemand is what a report counts of one demand: as its row holds it,
// or as its events before a checkpoint left it.
type ReportDemand struct {
	ID                   int64
	ReceivedAt           time.Time
	AgencyID, CustomerID int64
	// Country is the requesting authority's country.
	Country    string
	State      State
	Outcome    string
	Instrument string
	Categories []string
	Accounts   int64
	Emergency  bool
	// NDO says the demand carries a non-disclosure order, and NDOUntil
	// when it ends ("" for never).
	NDO                  bool
	NDOUntil             string
	NationalSecurityFlag bool
}
