package report

import (
	"fmt"
	"slices"
	"writ"
	"writ/rules"
)

// nationalSecurity is the band section of the report of in.Period, from the
// counts of US national-security process by half-year and class.
func nationalSecurity(in Input, counts map[Period]map[string]*bandCount) NationalSecurity {
	s := in.Structure
	ns := NationalSecurity{Structure: s.Code, Citation: s.Citation, BandWidth: s.Band, Separate: s.Separate, Figures: []BandFigure{},
		Annual: slices.Contains([]string{s.Period, s.NSLPeriod, s.FISAPeriod}, rules.PeriodPreviousYear)}
	specs := bandSpecs(s, in.Period)
	switch {
	case !bandsDue(in.Period, in.AsOf):
		ns.Withheld = WithheldHalfYearNotEnded
		return ns
	case len(specs) == 0:
		ns.Withheld = WithheldAnnual
		return ns
	}
	for _, spec := range specs {
		var n bandCount
		for _, p := range spec.covers {
			for _, c := range spec.classes {
				if got := counts[p][c]; got != nil {
					n.demands += got.demands
					n.selectors += got.selectors
				}
			}
		}
		ns.Figures = append(ns.Figures, BandFigure{Process: spec.process, Period: coverName(spec.covers),
			PeriodStart: spec.covers[0].Start(), PeriodEnd: spec.covers[len(spec.covers)-1].End(),
			Demands: Band(n.demands, s.Band), Selectors: Band(n.selectors, s.Band)})
	}
	return ns
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
