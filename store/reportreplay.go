package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"writ"
	"writ/report"
)

// A demand's facts as its events tell them: "demand.received" and
// "demand.imported" record the whole demand, "demand.updated" the fields
// changed (a non-disclosure order among them), "demand.transition" each
// move and the outcome it closed with. Replaying a demand's events before
// a checkpoint gives the demand as it stood at that checkpoint.

// demandFacts is what a report counts of one demand.
type demandFacts struct {
	id                   int64
	receivedAt           time.Time
	agencyID, customerID int64
	country              string
	state                writ.State
	outcome              string
	instrument           string
	categories           []string
	accounts             int64
	emergency            bool
	ndo                  bool
	ndoUntil             string
	nsFlag               bool
}

// replay rebuilds demands' facts from their events, in log order, keeping
// those received in its half-years.
type replay struct {
	periods []report.Period
	demands map[int64]*demandFacts
	order   []int64
}

func newReplay(periods ...report.Period) *replay {
	return &replay{periods: periods, demands: map[int64]*demandFacts{}}
}

// apply takes one event of a demand into account.
func (r *replay) apply(id int64, kind string, data []byte) error {
	fail := func(err error) error { return fmt.Errorf("store: replay of demand %d: %s event: %w", id, kind, err) }
	switch kind {
	case "demand.received", "demand.imported":
		var e struct {
			Demand writ.Demand `json:"demand"`
		}
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(err)
		}
		d := e.Demand
		if !slices.Contains(r.periods, report.PeriodOf(d.ReceivedAt)) {
			return nil
		}
		f := &demandFacts{id: id, receivedAt: d.ReceivedAt.UTC(), agencyID: d.AgencyID, customerID: d.CustomerID,
			state: d.State, outcome: d.Outcome, instrument: d.Instrument, categories: d.DataCategories,
			accounts: int64(len(d.Accounts)), emergency: d.Emergency != nil, nsFlag: slices.Contains(d.Flags, "NATIONAL_SECURITY")}
		if f.categories == nil {
			f.categories = []string{}
		}
		if d.Nondisclosure != nil {
			f.ndo, f.ndoUntil = true, d.Nondisclosure.Until
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
			f.ndo, f.ndoUntil = n != nil, ""
			if n != nil {
				f.ndoUntil = n.Until
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
		f.state = e.To
		if e.To == writ.StateClosed {
			f.outcome = e.Outcome
		}
	}
	return nil
}

// facts returns the replayed demands in the order they were received,
// each with its authority's country from the registry.
func (r *replay) facts(reg *reportRegistry) []*demandFacts {
	out := make([]*demandFacts, 0, len(r.order))
	for _, id := range r.order {
		f := r.demands[id]
		f.country = reg.agencyCountry[f.agencyID]
		out = append(out, f)
	}
	return out
}
