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
// GROUP BY over the period's rows, keyed by what the report tells demands
// apart by; what it only adds up (emergencies, delayed notices) it sums,
// to keep the key short.
type Group struct {
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
	// ExampleID is one demand of the group, to name in an error; 0 when
	// not known.
	ExampleID int64
}

// CustomerGroup is the demands of one country's authorities naming one
// enterprise or public-sector customer, national-security demands left
// out.
type CustomerGroup struct {
	Country  string
	Customer int64
	Demands  int64
	// WithData: one of them ended with data disclosed.
	WithData bool
}

// Input is what a report is built from.
type Input struct {
	Period     Period
	AsOf       time.Time
	Checkpoint Checkpoint
	Groups     []Group
	Customers  []CustomerGroup
	// NationalSecurityAuthority is how many of the period's demands came
	// from an authority of kind national_security with an instrument that
	// is not a national-security one by itself; all of them must carry the
	// NATIONAL_SECURITY flag. Unflagged names those that do not.
	NationalSecurityAuthority int64
	Unflagged                 []int64
	// UnknownStates names demands of the period whose state is not one of
	// writ's.
	UnknownStates []int64
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

// Build computes the report from its input and reconciles it: every
// record must be one the rulebook can count (a known country, state,
// outcome, instrument and category; a national-security flag that agrees
// with the rulebook's test), the figures must add up at every level, and
// they must equal the independent counts. Any failure is a
// *ReconcileError and no report.
//
// National-security demands (the flag, or an instrument the rulebook calls
// national security) are taken out before anything is counted, so no exact
// figure depends on them.
func Build(rb *rules.Rulebook, in Input) (*Report, error) {
	var problems []string
	bad := func(g Group, format string, args ...any) {
		who := fmt.Sprintf("%d demands of %s (%s, %s, %s)", g.Demands, g.Country, g.Instrument, strings.Join(g.Categories, "+"), group(g))
		if g.ExampleID != 0 {
			who = fmt.Sprintf("demand %d%s", g.ExampleID, others(g.Demands))
		}
		problems = append(problems, who+": "+fmt.Sprintf(format, args...))
	}
	for _, id := range in.UnknownStates {
		problems = append(problems, fmt.Sprintf("demand %d: its state is not one of writ's", id))
	}
	for _, id := range in.Unflagged {
		problems = append(problems, fmt.Sprintf("demand %d: the NATIONAL_SECURITY flag is missing, but it came from a national-security authority", id))
	}
	nsInstruments := rb.NationalSecurityInstruments()
	knownInstrument := rb.Instruments()
	var exact []Group
	var nsDemands, nsAccounts, total, closed, closedNS, flaggedByAuthority int64
	for _, g := range in.Groups {
		total += g.Demands
		if g.Outcome != "" {
			closed += g.Demands
		}
		if !rb.IsCountry(g.Country) {
			bad(g, "the requesting authority's country %q is not a country code", g.Country)
		}
		if g.Outcome != "" && !slices.Contains(writ.Outcomes(), g.Outcome) {
			bad(g, "closed with outcome %q, not one of the six", g.Outcome)
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
		// The rulebook's test (§5 rule 1): a national-security instrument,
		// or an authority of kind national_security.
		nsInstrument := slices.Contains(nsInstruments, g.Instrument)
		if nsInstrument && !g.NationalSecurityFlag {
			bad(g, "the NATIONAL_SECURITY flag is missing, but the instrument %s is a national-security one", g.Instrument)
		}
		if g.NationalSecurityFlag && !nsInstrument {
			flaggedByAuthority += g.Demands
		}
		if g.NationalSecurityFlag || nsInstrument {
			nsDemands += g.Demands
			nsAccounts += g.Accounts
			if g.Outcome != "" {
				closedNS += g.Demands
			}
			continue
		}
		exact = append(exact, g)
	}
	// Every flag on a demand whose instrument is not a national-security
	// one must be the authority's doing.
	if flaggedByAuthority != in.NationalSecurityAuthority-int64(len(in.Unflagged)) {
		problems = append(problems, fmt.Sprintf("%d demands carry the NATIONAL_SECURITY flag without a national-security instrument, but %d came from a national-security authority: a flag was set without cause",
			flaggedByAuthority, in.NationalSecurityAuthority-int64(len(in.Unflagged))))
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
		Preliminary: in.AsOf.Before(in.Period.End()),
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
	get := func(m map[string]*tally, key string) *tally {
		if m[key] == nil {
			m[key] = newTally()
		}
		return m[key]
	}
	for _, g := range exact {
		get(byCountry, g.Country).add(g)
		all.add(g)
		get(byInstrument, g.Instrument).add(g)
		for _, c := range g.Categories {
			get(byCategory, c).add(g)
		}
		key := [2]string{g.Country, group(g)}
		row := rows[key]
		if row == nil {
			row = &Row{}
			rows[key] = row
		}
		row.Demands += g.Demands
		row.Accounts += g.Accounts
		row.Emergency += g.Emergency
		row.DelayedNotices += g.DelayedNotices
	}
	var customerProblems []string
	for _, c := range in.Customers {
		t := byCountry[c.Country]
		if t == nil {
			customerProblems = append(customerProblems, fmt.Sprintf("customer %d: named by demands of %s, which has none", c.Customer, c.Country))
			continue
		}
		t.customer(c)
		all.customer(c)
	}
	countries := make([]string, 0, len(byCountry))
	for c := range byCountry {
		countries = append(countries, c)
	}
	sort.Strings(countries)
	for _, c := range countries {
		f := byCountry[c].figures()
		if byCountry[c].customerDemands > f.Demands {
			customerProblems = append(customerProblems, fmt.Sprintf("country %s: %d demands name enterprise customers, of %d in all", c, byCountry[c].customerDemands, f.Demands))
		}
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
	if len(customerProblems) > 0 {
		return nil, &ReconcileError{Problems: customerProblems}
	}
	if r.Countries == nil {
		r.Countries, r.Rows = []CountryFigures{}, []Row{}
	}
	r.Totals = all.figures()
	for _, code := range knownInstrument {
		if slices.Contains(nsInstruments, code) {
			continue
		}
		f := get(byInstrument, code).figures()
		name, citation := rb.InstrumentName(code)
		r.Instruments = append(r.Instruments, InstrumentFigures{Instrument: code, Name: name, Citation: citation,
			Demands: f.Demands, Accounts: f.Accounts, Outcomes: f.Outcomes})
	}
	for _, c := range rb.Categories() {
		f := get(byCategory, c).figures()
		r.DataCategories = append(r.DataCategories, CategoryFigures{Category: c, Demands: f.Demands, Accounts: f.Accounts, Outcomes: f.Outcomes})
	}
	r.Reconciliation = Reconciliation{DemandsCounted: in.Counted - nsDemands, ClosedCounted: in.ClosedCounted - closedNS, Checks: checkNames()}
	if err := Reconcile(r); err != nil {
		return nil, err
	}
	return r, nil
}

func others(n int64) string {
	if n > 1 {
		return fmt.Sprintf(" (and %d more like it)", n-1)
	}
	return ""
}

// group is the outcome group of a group of demands.
func group(g Group) string {
	if g.Outcome != "" {
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
	customerDemands     int64
}

func newTally() *tally {
	return &tally{outcomes: map[string]int64{}, customers: map[int64]bool{}, withData: map[int64]bool{}}
}

func (t *tally) add(g Group) {
	name := group(g)
	t.f.Demands += g.Demands
	t.f.Accounts += g.Accounts
	t.outcomes[name] += g.Demands
	t.f.Emergency += g.Emergency
	if disclosed(name) {
		t.f.EmergencyWithData += g.Emergency
	}
	t.f.DelayedNotices += g.DelayedNotices
}

func (t *tally) customer(c CustomerGroup) {
	t.customers[c.Customer] = true
	if c.WithData {
		t.withData[c.Customer] = true
	}
	t.customerDemands += c.Demands
}

func (t *tally) figures() Figures {
	f := t.f
	for _, name := range OutcomeGroups() {
		*f.Outcomes.Group(name) = Share{Demands: t.outcomes[name], Percent: PercentOf(t.outcomes[name], f.Demands)}
	}
	f.EnterpriseCustomers, f.EnterpriseCustomersWithData = int64(len(t.customers)), int64(len(t.withData))
	return f
}
