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

// Group is a cell of the finest grain the store counts demands in
// (writ.DemandGroup says what it holds): every demand of the period falls
// in exactly one group, and every figure of a report is a sum over groups.
type Group = writ.DemandGroup

// plus is the group with the sums of another added.
func plus(g, o Group) Group {
	g.Demands += o.Demands
	g.Accounts += o.Accounts
	g.Emergency += o.Emergency
	g.DelayedNotices += o.DelayedNotices
	g.LongGags += o.LongGags
	return g
}

// minus is the group without the demands of part, a group of some of its
// demands.
func minus(g, part Group) Group {
	return plus(g, Group{Demands: -part.Demands, Accounts: -part.Accounts, Emergency: -part.Emergency,
		DelayedNotices: -part.DelayedNotices, LongGags: -part.LongGags})
}

// holds reports whether every sum of part fits in g.
func holds(g, part Group) bool {
	return part.Demands <= g.Demands && part.Accounts <= g.Accounts && part.Emergency <= g.Emergency &&
		part.DelayedNotices <= g.DelayedNotices && part.LongGags <= g.LongGags
}

// CustomerGroup is the demands of one country's authorities naming one
// enterprise or public-sector customer (writ.CustomerGroup). The store
// leaves out every demand with the NATIONAL_SECURITY flag; Build adds those
// of them counted in exact figures from Input.Authority.
type CustomerGroup = writ.CustomerGroup

// AuthorityDemand is one demand of an authority of kind national_security
// (writ.AuthorityDemand): where it is counted depends on the authority's
// country, which the groups do not tell.
type AuthorityDemand = writ.AuthorityDemand

// EarlierPeriod is a half-year before the report's whose US
// national-security process the report's bands cover (OtherBandPeriods).
type EarlierPeriod struct {
	Period Period
	// Groups are the half-year's demands made with an instrument of US
	// national-security process, as of the checkpoint; Authority are those
	// of them from national-security authorities, as in Input.
	Groups    []Group
	Authority []AuthorityDemand
	// Counted is an independent count of the half-year's demands made with
	// those instruments.
	Counted int64
}

// Input is what a report is built from.
type Input struct {
	Period     Period
	AsOf       time.Time
	Checkpoint Checkpoint
	// Structure is the structure of 50 U.S.C. 1874(a) the bands follow, and
	// IncludeForeignNationalSecurity whether demands of foreign
	// national-security authorities are counted: the rulebook's settings
	// (or the structure chosen for the report), or those a report states
	// when it is verified.
	Structure                      rules.BandStructure
	IncludeForeignNationalSecurity bool
	Groups                         []Group
	Customers                      []CustomerGroup
	// Authority are the period's demands from authorities of kind
	// national_security, one each; each is also in Groups. All of them
	// must carry the NATIONAL_SECURITY flag.
	Authority []AuthorityDemand
	// UnknownStates names demands of the period whose state is not one of
	// writ's.
	UnknownStates []int64
	// Counted is an independent count of the period's demands at the
	// checkpoint, made by another query than the groups: every demand and
	// the closed ones.
	Counted, ClosedCounted int64
	// Earlier are the other half-years the bands cover, oldest first:
	// exactly OtherBandPeriods(Structure, Period, AsOf).
	Earlier []EarlierPeriod
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
// Each demand goes to exactly one place (rulebook §9): US national-security
// process (an instrument the rulebook's transparency classes name) to the
// bands, unless a foreign national-security authority sent it; a demand of
// a foreign national-security authority nowhere, unless the input includes
// them, and then to the exact figures; every other demand, ordinary process
// of a US national-security authority among them, to the exact figures.
// Nothing is counted before the demands are sorted, so no exact figure
// depends on a demand in the bands or left out.
func Build(rb *rules.Rulebook, in Input) (*Report, error) {
	r, _, err := build(rb, in)
	return r, err
}

// build is Build, also returning the groups counted in exact figures:
// besides the bands, all that a canary may speak of.
//
// Long because: it computes the report's sections in the order the report
// lists them, each a few lines over the same sorted groups.
func build(rb *rules.Rulebook, in Input) (*Report, []Group, error) {
	b := &builder{rb: rb, tr: rb.Transparency(), include: in.IncludeForeignNationalSecurity,
		nsInstruments: rb.NationalSecurityInstruments(), knownInstruments: rb.Instruments()}
	for _, id := range in.UnknownStates {
		b.problems = append(b.problems, fmt.Sprintf("demand %d: its state is not one of writ's", id))
	}
	if in.Structure.Band <= 0 {
		b.problems = append(b.problems, "no structure of 50 U.S.C. 1874(a) was given for the bands")
	}
	main := b.sort("", in.Groups, in.Authority, false)
	if main.total != in.Counted || main.closed != in.ClosedCounted {
		b.problems = append(b.problems, fmt.Sprintf("the groups hold %d demands (%d closed) but the period has %d (%d closed): a demand is counted twice or not at all",
			main.total, main.closed, in.Counted, in.ClosedCounted))
	}
	counts := map[Period]map[string]*bandCount{in.Period: main.bands}
	var earlier []Period
	for _, e := range in.Earlier {
		earlier = append(earlier, e.Period)
		s := b.sort(e.Period.String()+": ", e.Groups, e.Authority, true)
		if s.total != e.Counted {
			b.problems = append(b.problems, fmt.Sprintf("%s: the groups hold %d demands of US national-security instruments but the half-year has %d: a demand is counted twice or not at all",
				e.Period, s.total, e.Counted))
		}
		counts[e.Period] = s.bands
	}
	if want := OtherBandPeriods(in.Structure, in.Period, in.AsOf); !slices.Equal(earlier, want) {
		b.problems = append(b.problems, fmt.Sprintf("the bands cover the half-years %v but the input holds %v", want, earlier))
	}
	if len(b.problems) > 0 {
		return nil, nil, &ReconcileError{Problems: b.problems}
	}

	r := &Report{
		Schema:           Schema,
		Period:           in.Period.String(),
		PeriodStart:      in.Period.Start(),
		PeriodEnd:        in.Period.End(),
		Basis:            Basis,
		AsOf:             in.AsOf.UTC(),
		Checkpoint:       in.Checkpoint,
		Rulebook:         rb.Version(),
		Preliminary:      in.AsOf.Before(in.Period.End()),
		NationalSecurity: nationalSecurity(in, counts),
	}
	left := leftOutCategories(in.IncludeForeignNationalSecurity)
	r.NotIncluded = NotIncluded{Categories: left, Statement: notIncludedStatement(left, "report")}
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
	for _, g := range main.exact {
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
	for _, c := range append(slices.Clone(in.Customers), main.customers...) {
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
		return nil, nil, &ReconcileError{Problems: customerProblems}
	}
	if r.Countries == nil {
		r.Countries, r.Rows = []CountryFigures{}, []Row{}
	}
	r.Totals = all.figures()
	usNS := b.tr.USNationalSecurityInstruments()
	for _, code := range b.knownInstruments {
		f := get(byInstrument, code).figures()
		if slices.Contains(usNS, code) && f.Demands == 0 {
			continue
		}
		name, citation := rb.InstrumentName(code)
		r.Instruments = append(r.Instruments, InstrumentFigures{Instrument: code, Name: name, Citation: citation,
			Demands: f.Demands, Accounts: f.Accounts, Outcomes: f.Outcomes})
	}
	for _, c := range rb.Categories() {
		f := get(byCategory, c).figures()
		r.DataCategories = append(r.DataCategories, CategoryFigures{Category: c, Demands: f.Demands, Accounts: f.Accounts, Outcomes: f.Outcomes})
	}
	r.Reconciliation = Reconciliation{DemandsCounted: in.Counted - main.notExact, ClosedCounted: in.ClosedCounted - main.notExactClosed, Checks: checkNames()}
	if err := Reconcile(r); err != nil {
		return nil, nil, err
	}
	return r, main.exact, nil
}

// builder sorts demands into the report's places and collects what is
// wrong with them.
type builder struct {
	rb                              *rules.Rulebook
	tr                              rules.Transparency
	include                         bool
	nsInstruments, knownInstruments []string
	problems                        []string
}

// sorted is where one half-year's demands went.
type sorted struct {
	// exact are the groups counted in exact figures, and customers the
	// enterprise customers of those of them that came from
	// national-security authorities.
	exact     []Group
	customers []CustomerGroup
	// bands are US national-security process, by class.
	bands map[string]*bandCount
	// total and closed are every demand of the groups; notExact and
	// notExactClosed those in the bands or left out.
	total, closed, notExact, notExactClosed int64
}

type bandCount struct{ demands, selectors int64 }

// place is where a demand is counted.
type place int

const (
	placeExact place = iota
	placeBand
	placeLeftOut
)

// placeOf says where the demands of a group go: class is their class of
// US national-security process ("" for none), fromAuthority whether a
// national-security authority sent them.
func (b *builder) placeOf(g Group, class string, fromAuthority bool) place {
	if fromAuthority && b.rb.IsForeignNationalSecurity(g.Country, rules.KindNationalSecurity) {
		if b.include {
			return placeExact
		}
		return placeLeftOut
	}
	if class != "" {
		return placeBand
	}
	return placeExact
}

// groupKey is what the store groups demands by.
type groupKey struct {
	country, outcome, instrument, categories string
	flag                                     bool
}

func keyOfGroup(g Group) groupKey {
	return groupKey{g.Country, g.Outcome, g.Instrument, strings.Join(g.Categories, "\x00"), g.NationalSecurityFlag}
}

// sort checks one half-year's groups and sends each demand to its place.
// The demands of national-security authorities are taken out of their
// groups and placed on their own. where prefixes the problems; usOnly says
// the groups are meant to hold US national-security process alone.
func (b *builder) sort(where string, groups []Group, authority []AuthorityDemand, usOnly bool) sorted {
	s := sorted{bands: map[string]*bandCount{}}
	bad := func(g Group, format string, args ...any) {
		who := fmt.Sprintf("%d demands of %s (%s, %s, %s)", g.Demands, g.Country, g.Instrument, strings.Join(g.Categories, "+"), group(g))
		if g.ExampleID != 0 {
			who = fmt.Sprintf("demand %d%s", g.ExampleID, others(g.Demands))
		}
		b.problems = append(b.problems, where+who+": "+fmt.Sprintf(format, args...))
	}
	fromAuthority := map[groupKey]*Group{}
	var order []groupKey
	for _, a := range authority {
		if !a.NationalSecurityFlag {
			bad(a.DemandGroup, "the NATIONAL_SECURITY flag is missing, but it came from a national-security authority")
		}
		k := keyOfGroup(a.DemandGroup)
		sum := fromAuthority[k]
		if sum == nil {
			sum = &Group{Country: a.Country, Outcome: a.Outcome, Instrument: a.Instrument, Categories: a.Categories,
				NationalSecurityFlag: a.NationalSecurityFlag, ExampleID: a.ExampleID}
			fromAuthority[k] = sum
			order = append(order, k)
		}
		*sum = plus(*sum, a.DemandGroup)
		class := b.tr.Class(a.Instrument, a.Categories)
		if a.EnterpriseCustomer != 0 && b.placeOf(a.DemandGroup, class, true) == placeExact {
			s.customers = append(s.customers, CustomerGroup{Country: a.Country, Customer: a.EnterpriseCustomer, Demands: a.Demands,
				WithData: disclosed(group(a.DemandGroup))})
		}
	}
	for _, g := range merged(groups) {
		s.total += g.Demands
		if g.Outcome != "" {
			s.closed += g.Demands
		}
		b.check(g, bad)
		class := b.tr.Class(g.Instrument, g.Categories)
		if usOnly && class == "" {
			bad(g, "the instrument %s is not US national-security process, but the group was read as such", g.Instrument)
		}
		// The rulebook's test (§5 rule 1): a national-security instrument,
		// or an authority of kind national_security.
		nsInstrument := slices.Contains(b.nsInstruments, g.Instrument)
		if nsInstrument && !g.NationalSecurityFlag {
			bad(g, "the NATIONAL_SECURITY flag is missing, but the instrument %s is a national-security one", g.Instrument)
		}
		rest := g
		if a := fromAuthority[keyOfGroup(g)]; a != nil {
			delete(fromAuthority, keyOfGroup(g))
			if !holds(g, *a) {
				bad(g, "%d demands of national-security authorities are counted in it, more than it holds", a.Demands)
				continue
			}
			b.put(&s, *a, class, true)
			rest = minus(g, *a)
			rest.ExampleID = 0
		}
		if rest.Demands > 0 && rest.NationalSecurityFlag && !nsInstrument {
			bad(rest, "the NATIONAL_SECURITY flag was set without cause: neither the instrument nor the authority is a national-security one")
		}
		b.put(&s, rest, class, false)
	}
	for _, k := range order {
		if a := fromAuthority[k]; a != nil {
			bad(*a, "it came from a national-security authority but is in none of the groups: a demand is counted twice or not at all")
		}
	}
	return s
}

// merged are the groups with those of the same key added up, in the order
// of their first: replayed demands come one group each.
func merged(groups []Group) []Group {
	index := map[groupKey]int{}
	var out []Group
	for _, g := range groups {
		k := keyOfGroup(g)
		i, ok := index[k]
		if !ok {
			index[k] = len(out)
			out = append(out, g)
			continue
		}
		m := &out[i]
		*m = plus(*m, g)
		if m.ExampleID == 0 || (g.ExampleID != 0 && g.ExampleID < m.ExampleID) {
			m.ExampleID = g.ExampleID
		}
	}
	return out
}

// check names what makes a group's demands impossible to count.
func (b *builder) check(g Group, bad func(Group, string, ...any)) {
	if !b.rb.IsCountry(g.Country) {
		bad(g, "the requesting authority's country %q is not a country code", g.Country)
	}
	if g.Outcome != "" && !slices.Contains(writ.Outcomes(), g.Outcome) {
		bad(g, "closed with outcome %q, not one of the six", g.Outcome)
	}
	if !slices.Contains(b.knownInstruments, g.Instrument) {
		bad(g, "unknown instrument %q", g.Instrument)
	}
	for i, c := range g.Categories {
		if !slices.Contains(b.rb.Categories(), c) || slices.Index(g.Categories, c) != i {
			bad(g, "data categories %q are not distinct known categories", g.Categories)
			break
		}
	}
	if g.Accounts < g.Demands {
		bad(g, "names no account")
	}
}

// put counts a group's demands in their place.
func (b *builder) put(s *sorted, g Group, class string, fromAuthority bool) {
	if g.Demands == 0 {
		return
	}
	switch b.placeOf(g, class, fromAuthority) {
	case placeExact:
		s.exact = append(s.exact, g)
		return
	case placeBand:
		bc := s.bands[class]
		if bc == nil {
			bc = &bandCount{}
			s.bands[class] = bc
		}
		bc.demands += g.Demands
		bc.selectors += g.Accounts
	}
	s.notExact += g.Demands
	if g.Outcome != "" {
		s.notExactClosed += g.Demands
	}
}
