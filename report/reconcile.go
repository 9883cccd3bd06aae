package report

import (
	"fmt"
	"regexp"
	"strconv"
)

// reconciliationChecks are the checks Reconcile makes: a code, by which
// the pages name a check in their language, and the words the report
// lists it with.
func reconciliationChecks() [][2]string {
	return [][2]string{
		{"known_codes", "every record of the period has a known country, state, outcome, instrument and data categories"},
		{"flag", "the NATIONAL_SECURITY flag of every record agrees with the rulebook's test"},
		{"one_group", "every demand of the period is in exactly one group: the groups add up to an independent count of the period's demands and of its closed demands"},
		{"other_bands", "the US national-security process of every other half-year the bands cover adds up to an independent count of it"},
		{"country_outcomes", "each country's outcome groups add up to its demands received"},
		{"country_rows", "each country's rows add up to its figures"},
		{"totals", "the totals equal the sum of the countries"},
		{"instruments", "the instruments add up to the totals"},
		{"percentages", "every percentage is computed from its two counts"},
		{"no_exact_ns", "no exact figure counts US national-security process or a demand of a category left out"},
		{"bands", "every band is one of the structure's bands, for a period it allows"},
	}
}

// checkNames are the checks Reconcile makes, as the report lists them.
func checkNames() []string {
	var names []string
	for _, c := range reconciliationChecks() {
		names = append(names, c[1])
	}
	return names
}

var bandPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)-([1-9][0-9]*)$`)

// checkBand says what is wrong with a band of width w, or "".
func checkBand(band string, w int) string {
	m := bandPattern.FindStringSubmatch(band)
	if m == nil || w <= 0 {
		return fmt.Sprintf("%q is not a band", band)
	}
	low, err1 := strconv.ParseInt(m[1], 10, 64)
	high, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil || low%int64(w) != 0 || high != low+int64(w)-1 {
		return fmt.Sprintf("%q is not a band of %d", band, w)
	}
	return ""
}

// reconcileBands checks the band section and the statement of what is left
// out: each band one of the width's, each figure of a known process for a
// time that ended by the end of the report's half-year, and figures present
// exactly when nothing withholds them.
func reconcileBands(r *Report, fail func(string, ...any)) {
	ns := r.NationalSecurity
	if ns.Structure == "" || ns.Citation == "" || ns.BandWidth <= 0 {
		fail("national security: no structure of 50 U.S.C. 1874(a) or no band width")
	}
	switch ns.Withheld {
	case "":
		if len(ns.Figures) == 0 {
			fail("national security: no figures, and nothing says why")
		}
	case WithheldAnnual, WithheldHalfYearNotEnded:
		if len(ns.Figures) > 0 {
			fail("national security: figures given although %s", ns.Withheld)
		}
	default:
		fail("national security: figures withheld for an unknown reason %q", ns.Withheld)
	}
	if ns.Withheld == WithheldAnnual && !ns.Annual {
		fail("national security: withheld as annual, but the structure is not")
	}
	seen := map[string]bool{}
	for _, f := range ns.Figures {
		if ProcessLabel(f.Process) == f.Process || f.Process == processV1 || seen[f.Process] {
			fail("national security: unexpected figure %q", f.Process)
		}
		seen[f.Process] = true
		for _, band := range []string{f.Demands, f.Selectors} {
			if p := checkBand(band, ns.BandWidth); p != "" {
				fail("national security: %s: %s", f.Process, p)
			}
		}
		if !f.PeriodStart.Before(f.PeriodEnd) || f.PeriodEnd.After(r.PeriodEnd) {
			fail("national security: %s covers %s to %s, not a time that ended with the report's half-year", f.Process, f.PeriodStart, f.PeriodEnd)
		}
	}
	if seen[ProcessCombined] == ns.Separate && len(ns.Figures) > 0 {
		fail("national security: the figures are not those of a structure whose figures are %s", map[bool]string{true: "separate", false: "combined"}[ns.Separate])
	}
	for _, c := range r.NotIncluded.Categories {
		if _, ok := categoryWords[c]; !ok {
			fail("not included: unknown category %q", c)
		}
	}
	if want := notIncludedStatement(r.NotIncluded.Categories, "report"); r.NotIncluded.Statement != want {
		fail("not included: the statement %q does not say %q", r.NotIncluded.Statement, want)
	}
}

// Reconcile checks that a report adds up: rows to countries, countries to
// totals, outcome groups to demands received, instruments to totals, each
// percentage to its counts, and the totals to the independent counts the
// report records; and that the national-security section is in bands and
// the statement of what is left out says what it should. Build runs it on every report; verification runs it on
// a report read from a file. It returns a *ReconcileError.
//
// Long because: it is the list of checks its comment names, one after
// another, each a few lines.
func Reconcile(r *Report) error {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	shares := func(where string, f Figures) {
		var sum int64
		for _, name := range OutcomeGroups() {
			s := f.Outcomes.Group(name)
			sum += s.Demands
			if s.Percent != PercentOf(s.Demands, f.Demands) {
				fail("%s: %s is %s %% but %d of %d is %s %%", where, name, s.Percent, s.Demands, f.Demands, PercentOf(s.Demands, f.Demands))
			}
		}
		if sum != f.Demands {
			fail("%s: the outcome groups hold %d demands, not the %d received", where, sum, f.Demands)
		}
		if f.EmergencyWithData > f.Emergency || f.EnterpriseCustomersWithData > f.EnterpriseCustomers {
			fail("%s: more demands or customers with data than in all", where)
		}
	}

	var sum Figures
	var groups = map[string]int64{}
	var maxCustomers, sumCustomers int64
	rowsOf := map[string][]Row{}
	for _, row := range r.Rows {
		rowsOf[row.Country] = append(rowsOf[row.Country], row)
	}
	if len(rowsOf) != len(r.Countries) {
		fail("the rows name %d countries, the figures %d", len(rowsOf), len(r.Countries))
	}
	for _, c := range r.Countries {
		where := "country " + c.Country
		shares(where, c.Figures)
		rows := rowsOf[c.Country]
		var rs Row
		seen := map[string]bool{}
		for _, row := range rows {
			if seen[row.OutcomeGroup] || c.Outcomes.Group(row.OutcomeGroup) == nil || row.Period != r.Period {
				fail("%s: unexpected row %s/%s", where, row.Period, row.OutcomeGroup)
				continue
			}
			seen[row.OutcomeGroup] = true
			if want := c.Outcomes.Group(row.OutcomeGroup).Demands; row.Demands != want {
				fail("%s: row %s has %d demands, the figures %d", where, row.OutcomeGroup, row.Demands, want)
			}
			if row.Percent != PercentOf(row.Demands, c.Demands) {
				fail("%s: row %s is %s %%, not %s %%", where, row.OutcomeGroup, row.Percent, PercentOf(row.Demands, c.Demands))
			}
			rs.Demands += row.Demands
			rs.Accounts += row.Accounts
			rs.Emergency += row.Emergency
			rs.DelayedNotices += row.DelayedNotices
		}
		if len(seen) != len(OutcomeGroups()) {
			fail("%s: %d rows, not one per outcome group", where, len(seen))
		}
		if rs.Demands != c.Demands || rs.Accounts != c.Accounts || rs.Emergency != c.Emergency || rs.DelayedNotices != c.DelayedNotices {
			fail("%s: the rows add up to %d demands, %d accounts, %d emergency, %d delayed notices; the figures say %d, %d, %d, %d",
				where, rs.Demands, rs.Accounts, rs.Emergency, rs.DelayedNotices, c.Demands, c.Accounts, c.Emergency, c.DelayedNotices)
		}
		sum.Demands += c.Demands
		sum.Accounts += c.Accounts
		sum.Emergency += c.Emergency
		sum.EmergencyWithData += c.EmergencyWithData
		sum.DelayedNotices += c.DelayedNotices
		for _, name := range OutcomeGroups() {
			groups[name] += c.Outcomes.Group(name).Demands
		}
		maxCustomers = max(maxCustomers, c.EnterpriseCustomers)
		sumCustomers += c.EnterpriseCustomers
	}
	t := r.Totals
	shares("totals", t)
	if t.Demands != sum.Demands || t.Accounts != sum.Accounts || t.Emergency != sum.Emergency ||
		t.EmergencyWithData != sum.EmergencyWithData || t.DelayedNotices != sum.DelayedNotices {
		fail("totals: %d demands, %d accounts, %d emergency (%d with data), %d delayed notices; the countries add up to %d, %d, %d (%d), %d",
			t.Demands, t.Accounts, t.Emergency, t.EmergencyWithData, t.DelayedNotices,
			sum.Demands, sum.Accounts, sum.Emergency, sum.EmergencyWithData, sum.DelayedNotices)
	}
	for _, name := range OutcomeGroups() {
		if got := t.Outcomes.Group(name).Demands; got != groups[name] {
			fail("totals: %s is %d, the countries add up to %d", name, got, groups[name])
		}
	}
	// A customer named from two countries is one customer in the totals.
	if t.EnterpriseCustomers < maxCustomers || t.EnterpriseCustomers > sumCustomers {
		fail("totals: %d enterprise customers, but the countries have between %d and %d", t.EnterpriseCustomers, maxCustomers, sumCustomers)
	}
	if t.Demands != r.Reconciliation.DemandsCounted || t.Outcomes.Closed() != r.Reconciliation.ClosedCounted {
		fail("totals: %d demands (%d closed) but the period has %d (%d closed)", t.Demands, t.Outcomes.Closed(),
			r.Reconciliation.DemandsCounted, r.Reconciliation.ClosedCounted)
	}
	var inst Figures
	instGroups := map[string]int64{}
	for _, in := range r.Instruments {
		shares("instrument "+in.Instrument, Figures{Demands: in.Demands, Outcomes: in.Outcomes})
		inst.Demands += in.Demands
		inst.Accounts += in.Accounts
		for _, name := range OutcomeGroups() {
			instGroups[name] += in.Outcomes.Group(name).Demands
		}
	}
	if inst.Demands != t.Demands || inst.Accounts != t.Accounts {
		fail("instruments: %d demands and %d accounts, the totals %d and %d", inst.Demands, inst.Accounts, t.Demands, t.Accounts)
	}
	for _, name := range OutcomeGroups() {
		if instGroups[name] != t.Outcomes.Group(name).Demands {
			fail("instruments: %s adds up to %d, the totals say %d", name, instGroups[name], t.Outcomes.Group(name).Demands)
		}
	}
	for _, c := range r.DataCategories {
		shares("data category "+c.Category, Figures{Demands: c.Demands, Outcomes: c.Outcomes})
		if c.Demands > t.Demands {
			fail("data category %s: %d demands, more than the %d received", c.Category, c.Demands, t.Demands)
		}
	}
	reconcileBands(r, fail)
	if len(problems) > 0 {
		return &ReconcileError{Problems: problems}
	}
	return nil
}
