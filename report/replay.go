package report

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"writ"
)

// A demand's facts as its events tell them: "demand.received" and
// "demand.imported" record the whole demand, "demand.updated" the fields
// changed (a non-disclosure order among them), "demand.transition" each
// move and the outcome it closed with. Replaying a demand's events before
// a checkpoint gives the demand as it stood at that checkpoint.

// replay rebuilds demands' facts from their events, in log order, keeping
// those received in its half-years.
type replay struct {
	periods []Period
	demands map[int64]*writ.ReportDemand
	order   []int64
}

func newReplay(periods ...Period) *replay {
	return &replay{periods: periods, demands: map[int64]*writ.ReportDemand{}}
}

// apply takes one event of a demand into account.
func (r *replay) apply(id int64, kind string, data []byte) error {
	fail := func(err error) error { return fmt.Errorf("report: replay of demand %d: %s event: %w", id, kind, err) }
	switch kind {
	case "demand.received", "demand.imported":
		var e struct {
			Demand writ.Demand `json:"demand"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		d := e.Demand
		if !slices.Contains(r.periods, PeriodOf(d.ReceivedAt)) {
			return nil
		}
		f := &writ.ReportDemand{ID: id, ReceivedAt: d.ReceivedAt.UTC(), AgencyID: d.AgencyID, CustomerID: d.CustomerID,
			State: d.State, Outcome: d.Outcome, Instrument: d.Instrument, Categories: d.DataCategories,
			Accounts: int64(len(d.Accounts)), Emergency: d.Emergency != nil, NationalSecurityFlag: slices.Contains(d.Flags, "NATIONAL_SECURITY")}
		if f.Categories == nil {
			f.Categories = []string{}
		}
		if d.Nondisclosure != nil {
			f.NDO, f.NDOUntil = true, d.Nondisclosure.Until
		}
		if _, seen := r.demands[id]; !seen {
			r.order = append(r.order, id)
		}
		r.demands[id] = f
	case "demand.updated":
		f := r.demands[id]
		if f == nil {
			return nil
		}
		var e struct {
			Changes map[string]json.RawMessage `json:"changes"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		if raw, ok := e.Changes["nondisclosure"]; ok {
			var n *writ.Nondisclosure
			if err := json.Unmarshal(raw, &n); err != nil {
				return fail(err)
			}
			f.NDO, f.NDOUntil = n != nil, ""
			if n != nil {
				f.NDOUntil = n.Until
			}
		}
	case "demand.transition":
		f := r.demands[id]
		if f == nil {
			return nil
		}
		var e struct {
			To      writ.State `json:"to"`
			Outcome string     `json:"outcome"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		f.State = e.To
		if e.To == writ.StateClosed {
			f.Outcome = e.Outcome
		}
	}
	return nil
}

// facts returns the replayed demands in the order they were received,
// each with its authority's country from the registry.
func (r *replay) facts(reg *registry) []*writ.ReportDemand {
	out := make([]*writ.ReportDemand, 0, len(r.order))
	for _, id := range r.order {
		f := r.demands[id]
		f.Country = reg.AgencyCountry[f.AgencyID]
		out = append(out, f)
	}
	return out
}

// registry is what replayed demands need of agencies, customers and the
// rulebook.
type registry struct {
	writ.ReportRegistry
	usInstruments []string
}

// readRegistry reads every agency, and which of the given customers (every
// customer when customers is nil) are enterprise or public-sector
// customers.
func (s *Service) readRegistry(ctx context.Context, customers []int64) (*registry, error) {
	reg, err := s.records.ReportRegistry(ctx, customers)
	if err != nil {
		return nil, err
	}
	return &registry{ReportRegistry: reg, usInstruments: s.rules.Transparency().USNationalSecurityInstruments()}, nil
}

// replayTouched adds to the input the demands of its half-years that
// changed since the checkpoint, as their events before it left them; those
// received after it have no such events and are left out.
func (s *Service) replayTouched(ctx context.Context, size int64, touched []int64, in *Input) error {
	if len(touched) == 0 {
		return nil
	}
	r := newReplay(inputPeriods(in)...)
	if err := s.records.ReplayEvents(ctx, touched, size, r.apply); err != nil {
		return err
	}
	if len(r.demands) == 0 {
		return nil
	}
	customers := []int64{}
	for _, d := range r.demands {
		customers = append(customers, d.CustomerID)
	}
	reg, err := s.readRegistry(ctx, customers)
	if err != nil {
		return err
	}
	for _, d := range r.facts(reg) {
		addFacts(in, d, reg, s.rules.LongNDOAfter())
	}
	return nil
}

// inputPeriods are the half-years an input counts demands of: the report's
// and the earlier ones its bands cover.
func inputPeriods(in *Input) []Period {
	out := []Period{in.Period}
	for _, e := range in.Earlier {
		out = append(out, e.Period)
	}
	return out
}

// addFacts counts one demand, known by its facts, into a report's input:
// into the report's half-year, or, when it is US national-security
// process, into the earlier half-year of in.Earlier it was received in.
// Non-disclosure orders are judged at in.AsOf.
func addFacts(in *Input, d *writ.ReportDemand, reg *registry, longNDO time.Duration) {
	g := Group{Country: d.Country, Instrument: d.Instrument, Categories: d.Categories, NationalSecurityFlag: d.NationalSecurityFlag,
		Demands: 1, Accounts: d.Accounts, ExampleID: d.ID}
	if d.State == writ.StateClosed {
		g.Outcome = d.Outcome
		if g.Outcome == "" {
			g.Outcome = "(none)"
		}
	}
	if d.Emergency {
		g.Emergency = 1
	}
	if d.NDO {
		if d.NDOUntil == "" || d.NDOUntil > in.AsOf.Format(time.DateOnly) {
			g.DelayedNotices = 1
		}
		until, err := time.Parse(time.DateOnly, d.NDOUntil)
		if d.NDOUntil == "" || err != nil || until.Sub(d.ReceivedAt) > longNDO {
			g.LongGags = 1
		}
	}
	var authority []AuthorityDemand
	if reg.NationalSecurity[d.AgencyID] {
		a := AuthorityDemand{DemandGroup: g}
		if reg.Enterprise[d.CustomerID] {
			a.EnterpriseCustomer = d.CustomerID
		}
		authority = append(authority, a)
	}
	if p := PeriodOf(d.ReceivedAt); p != in.Period {
		i := slices.IndexFunc(in.Earlier, func(e EarlierPeriod) bool { return e.Period == p })
		if i < 0 || !slices.Contains(reg.usInstruments, d.Instrument) {
			return
		}
		e := &in.Earlier[i]
		e.Counted++
		e.Groups = append(e.Groups, g)
		e.Authority = append(e.Authority, authority...)
		return
	}
	in.Counted++
	switch {
	case !d.State.Valid():
		in.UnknownStates = append(in.UnknownStates, d.ID)
	case d.State == writ.StateClosed:
		in.ClosedCounted++
	}
	in.Authority = append(in.Authority, authority...)
	if reg.Enterprise[d.CustomerID] && !d.NationalSecurityFlag {
		in.Customers = append(in.Customers, CustomerGroup{Country: d.Country, Customer: d.CustomerID, Demands: 1,
			WithData: g.Outcome == writ.OutcomeContentDisclosed || g.Outcome == writ.OutcomeNonContentDisclosed})
	}
	in.Groups = append(in.Groups, g)
}
