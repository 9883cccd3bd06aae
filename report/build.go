package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"writ"
	"writ/rules"
)

// Group is a cell of the finest grain the store counts demands in: every
// demand of the period falls in exactly one group, and every figure of a
// report is a sum over groups. The store computes the groups with one
// GROUP BY, so that the report costs one pass over the period's demands.
type Group struct {
	// Country is the requesting authority's country.
	Country string
	// State is the demand's state at the checkpoint, and Outcome its
	// outcome when that state is closed.
	State      writ.State
	Outcome    string
	Instrument string
	// Categories are the data categories asked for, as recorded.
	Categories []string
	Emergency  bool
	// DelayedNotice: the demand carries a non-disclosure order that had
	// not ended at the report's AsOf.
	DelayedNotice bool
	// LongGag: a non-disclosure order without end or ending more than the
	// rulebook's long_ndo_after after receipt (the NDO_OVER_ONE_YEAR and
	// INDEFINITE_NDO flags).
	LongGag bool
	// NationalSecurityFlag is the NATIONAL_SECURITY flag the assessment
	// set; NationalSecurityAuthority says the agency's kind is
	// national_security. The report checks both against the rulebook.
	NationalSecurityFlag      bool
	NationalSecurityAuthority bool
	// EnterpriseCustomer is the customer named when it is an enterprise or
	// public-sector customer, else 0.
	EnterpriseCustomer int64
	// Demands and Accounts are how many demands the group holds and how
	// many accounts they name.
	Demands, Accounts int64
	// ExampleID is one demand of the group, to name in an error.
	ExampleID int64
}

// Input is what a report is built from.
type Input struct {
	Period     Period
	AsOf       time.Time
	Checkpoint Checkpoint
	Groups     []Group
	// Counted is an independent count of the period's demands at the
	// checkpoint, made by another query than the groups: every demand and
	// the closed ones, national-security demands included.
	Counted, ClosedCounted int64
}

// ReconcileError is a report that does not add up, or records that cannot
// be counted: a report is never built from them. Problems say what is wrong
// and name a demand where one is at fault.
type ReconcileError struct {
	Problems []string
}

func (e *ReconcileError) Error() string {
	const most = 10
	shown := e.Problems
	more := ""
	if len(shown) > most {
		shown, more = shown[:most], fmt.Sprintf("\n  … and %d more", len(e.Problems)-most)
	}
	return fmt.Sprintf("the report does not reconcile (%d problems):\n  %s%s", len(e.Problems), strings.Join(shown, "\n  "), more)
}

// Build computes the report from the groups and reconciles it: every
// record must be one the rulebook can count (a known country, state,
// outcome, instrument and category; a national-security flag that agrees
// with the rulebook's test), the figures must add up at every level, and
// they must equal the independent counts. Any failure is a
// *ReconcileError and no report.
//
// National-security demands (the flag, the instrument or the authority's
// kind says so) are taken out before anything is counted, so no exact
// figure depends on them.
func Build(rb *rules.Rulebook, in Input) (*Report, error) {
	var problems []string
	bad := func(g Group, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("demand %d%s: %s", g.ExampleID, others(g.Demands), fmt.Sprintf(format, args...)))
	}
	nsInstruments := rb.NationalSecurityInstruments()
	knownInstrument := rb.Instruments()
	var exact []Group
	var nsDemands, nsAccounts, total, closed int64
	for _, g := range in.Groups {
		total += g.Demands
		if g.State == writ.StateClosed {
			closed += g.Demands
		}
		if !rb.IsCountry(g.Country) {
			bad(g, "the requesting authority's country %q is not a country code", g.Country)
		}
		if !g.State.Valid() {
			bad(g, "unknown state %q", g.State)
		}
		switch {
		case g.State == writ.StateClosed && !slices.Contains(writ.Outcomes(), g.Outcome):
			bad(g, "closed with outcome %q, not one of the six", g.Outcome)
		case g.State != writ.StateClosed && g.Outcome != "":
			bad(g, "has outcome %q but is %s, not closed", g.Outcome, g.State)
		}
		if !slices.Contains(knownInstrument, g.Instrument) {
			bad(g, "unknown instrument %q", g.Instrument)
		}
		for i, c := range g.Categories {
			if !slices.Contains(rb.Categories(), c) || slices.Index(g.Categories, c) != i {
				bad(g, "data categories %q are not distinct known categories", g.Categories)
				break
			}
		}
		if g.Accounts < g.Demands {
			bad(g, "names no account")
		}
		shouldBe := g.NationalSecurityAuthority || slices.Contains(nsInstruments, g.Instrument)
		if g.NationalSecurityFlag != shouldBe {
			bad(g, "the NATIONAL_SECURITY flag is %v but the rulebook's test (instrument %s, national-security authority %v) says %v",
				g.NationalSecurityFlag, g.Instrument, g.NationalSecurityAuthority, shouldBe)
		}
		if g.NationalSecurityFlag || shouldBe {
			nsDemands += g.Demands
			nsAccounts += g.Accounts
			continue
		}
		exact = append(exact, g)
	}
	if total != in.Counted || closed != in.ClosedCounted {
		problems = append(problems, fmt.Sprintf("the groups hold %d demands (%d closed) but the period has %d (%d closed): a demand is counted twice or not at all",
			total, closed, in.Counted, in.ClosedCounted))
	}
	if len(problems) > 0 {
		return nil, &ReconcileError{Problems: problems}
	}

	r := &Report{
		Schema:      Schema,
		Period:      in.Period.String(),
		PeriodStart: in.Period.Start(),
		PeriodEnd:   in.Period.End(),
		Basis:       Basis,
		AsOf:        in.AsOf.UTC(),
		Checkpoint:  in.Checkpoint,
		Rulebook:    rb.Version(),
		NationalSecurity: NationalSecurity{
			BandWidth: rb.NationalSecurityBand(),
			Demands:   Band(nsDemands, rb.NationalSecurityBand()),
			Accounts:  Band(nsAccounts, rb.NationalSecurityBand()),
		},
	}
	byCountry := map[string]*tally{}
	all := newTally()
	byInstrument := map[string]*tally{}
	byCategory := map[string]*tally{}
	rows := map[[2]string]*Row{}
	for _, g := range exact {
		if byCountry[g.Country] == nil {
			byCountry[g.Country] = newTally()
		}
		byCountry[g.Country].add(g)
		all.add(g)
		if byInstrument[g.Instrument] == nil {
			byInstrument[g.Instrument] = newTally()
		}
		byInstrument[g.Instrument].add(g)
		for _, c := range g.Categories {
			if byCategory[c] == nil {
				byCategory[c] = newTally()
			}
			byCategory[c].add(g)
		}
		key := [2]string{g.Country, group(g)}
		row := rows[key]
		if row == nil {
			row = &Row{}
			rows[key] = row
		}
		row.Demands += g.Demands
		row.Accounts += g.Accounts
		if g.Emergency {
			row.Emergency += g.Demands
		}
		if g.DelayedNotice {
			row.DelayedNotices += g.Demands
		}
	}
	countries := make([]string, 0, len(byCountry))
	for c := range byCountry {
		countries = append(countries, c)
	}
	sort.Strings(countries)
	for _, c := range countries {
		f := byCountry[c].figures()
		r.Countries = append(r.Countries, CountryFigures{Country: c, CountryName: rb.CountryName(c), Figures: f})
		for _, name := range OutcomeGroups() {
			row := Row{}
			if got := rows[[2]string{c, name}]; got != nil {
				row = *got
			}
			row.Period, row.Country, row.CountryName, row.OutcomeGroup = r.Period, c, rb.CountryName(c), name
			row.Percent = PercentOf(row.Demands, f.Demands)
			r.Rows = append(r.Rows, row)
		}
	}
	if r.Countries == nil {
		r.Countries, r.Rows = []CountryFigures{}, []Row{}
	}
	r.Totals = all.figures()
	for _, code := range knownInstrument {
		if slices.Contains(nsInstruments, code) {
			continue
		}
		t := byInstrument[code]
		if t == nil {
			t = newTally()
		}
		f := t.figures()
		name, citation := rb.InstrumentName(code)
		r.Instruments = append(r.Instruments, InstrumentFigures{Instrument: code, Name: name, Citation: citation,
			Demands: f.Demands, Accounts: f.Accounts, Outcomes: f.Outcomes})
	}
	for _, c := range rb.Categories() {
		t := byCategory[c]
		if t == nil {
			t = newTally()
		}
		f := t.figures()
		r.DataCategories = append(r.DataCategories, CategoryFigures{Category: c, Demands: f.Demands, Accounts: f.Accounts, Outcomes: f.Outcomes})
	}
	counted, closedCounted := in.Counted-nsDemands, in.ClosedCounted-closedNS(in.Groups, exact)
	r.Reconciliation = Reconciliation{DemandsCounted: counted, ClosedCounted: closedCounted, Checks: checkNames()}
	if err := Reconcile(r); err != nil {
		return nil, err
	}
	return r, nil
}

// closedNS is how many of the closed demands are national-security ones.
func closedNS(groups, exact []Group) int64 {
	var all, ex int64
	for _, g := range groups {
		if g.State == writ.StateClosed {
			all += g.Demands
		}
	}
	for _, g := range exact {
		if g.State == writ.StateClosed {
			ex += g.Demands
		}
	}
	return all - ex
}

func others(n int64) string {
	if n > 1 {
		return fmt.Sprintf(" (and %d more like it)", n-1)
	}
	return ""
}

// group is the outcome group of a group of demands.
func group(g Group) string {
	if g.State == writ.StateClosed {
		return g.Outcome
	}
	return Pending
}

// disclosed reports whether an outcome group means data was handed over.
func disclosed(group string) bool {
	return group == writ.OutcomeContentDisclosed || group == writ.OutcomeNonContentDisclosed
}

// tally adds up groups into Figures.
type tally struct {
	f                   Figures
	outcomes            map[string]int64
	customers, withData map[int64]bool
}

func newTally() *tally {
	return &tally{outcomes: map[string]int64{}, customers: map[int64]bool{}, withData: map[int64]bool{}}
}

func (t *tally) add(g Group) {
	name := group(g)
	t.f.Demands += g.Demands
	t.f.Accounts += g.Accounts
	t.outcomes[name] += g.Demands
	if g.Emergency {
		t.f.Emergency += g.Demands
		if disclosed(name) {
			t.f.EmergencyWithData += g.Demands
		}
	}
	if g.DelayedNotice {
		t.f.DelayedNotices += g.Demands
	}
	if g.EnterpriseCustomer != 0 {
		t.customers[g.EnterpriseCustomer] = true
		if disclosed(name) {
			t.withData[g.EnterpriseCustomer] = true
		}
	}
}

func (t *tally) figures() Figures {
	f := t.f
	for _, name := range OutcomeGroups() {
		*f.Outcomes.Group(name) = Share{Demands: t.outcomes[name], Percent: PercentOf(t.outcomes[name], f.Demands)}
	}
	f.EnterpriseCustomers, f.EnterpriseCustomersWithData = int64(len(t.customers)), int64(len(t.withData))
	return f
}
