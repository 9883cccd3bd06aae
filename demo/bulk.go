package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"writ"
	"writ/casework"
	"writ/rules"
	"writ/store"
)

// serviceDemands is how many demo demands go through the service methods,
// one transition at a time, so that every state and outcome is reached by
// the store's own rules. The demands after them only make the data set
// large, and are imported in batches.
const serviceDemands = 300

// bulkBatch is how many demo demands one import transaction holds: enough
// that the cost of a commit and of preparing each statement is spread
// thin, few enough that a batch's rows stay a few megabytes.
const bulkBatch = 5000

// history is how far back the imported demands were received: ten years,
// so that reports of every half-year since have data.
const history = 10 * 365 * 24 * time.Hour

// bulkGenerator makes the imported demo demands, each from its own number.
type bulkGenerator struct {
	now                time.Time
	rules              *rules.Rulebook
	agencies           []writ.Agency
	customers          []writ.Customer
	customerOf         map[string]int // account → index in customers
	reviewer, approver writ.Actor
}

func newBulkGenerator(ctx context.Context, st *store.Store, g *generator) (*bulkGenerator, error) {
	b := &bulkGenerator{now: g.now, rules: st.Rules(), customerOf: map[string]int{}, reviewer: g.reviewer, approver: g.approver}
	for _, id := range g.agencies {
		a, err := st.Agency(ctx, writ.System(), id)
		if err != nil {
			return nil, err
		}
		b.agencies = append(b.agencies, a)
	}
	for i, id := range g.customers {
		c, err := st.Customer(ctx, writ.System(), id)
		if err != nil {
			return nil, err
		}
		b.customers = append(b.customers, c)
		for _, a := range c.Accounts {
			b.customerOf[a] = i
		}
	}
	return b, nil
}

// agencyWeights say how often each demo agency (in the order of agencies())
// sends a demand, per thousand: mostly US and European police, and
// national-security demands (the FBI's National Security Branch) about 2%
// of all, as in the large providers' transparency reports.
var agencyWeights = []int{260, 120, 20, 90, 110, 70, 50, 60, 40, 120, 30, 20, 30}

// customerWeights say how often each demo customer (in the order of
// customers()) is named, per hundred: consumer accounts draw most demands,
// as they do at the large providers; enterprise and public-sector tenants,
// whose demands are redirected to them, about a fifth.
var customerWeights = []int{6, 4, 3, 3, 2, 2, 2, 45, 22, 11}

// importBulk adds demo demands from..to (inclusive) through the bulk path,
// batch by batch: the next batch is made while the last one is written.
func importBulk(ctx context.Context, st *store.Store, b *bulkGenerator, from, to int, p *progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		demands []store.ImportedDemand
		first   int
		count   int
		err     error
	}
	batches := make(chan batch, 2)
	go func() {
		defer close(batches)
		for first := from; first <= to; first += bulkBatch {
			last := min(first+bulkBatch-1, to)
			bt := batch{first: first, count: last - first + 1, demands: make([]store.ImportedDemand, 0, last-first+2)}
			for n := first; n <= last; n++ {
				parts, err := b.demand(n)
				if err != nil {
					bt.err = fmt.Errorf("demo demand %d: %w", n, err)
					break
				}
				bt.demands = append(bt.demands, parts...)
			}
			select {
			case batches <- bt:
			case <-ctx.Done():
				return
			}
			if bt.err != nil {
				return
			}
		}
	}()
	for bt := range batches {
		if bt.err != nil {
			return bt.err
		}
		if _, err := st.ImportDemands(ctx, writ.System(), bt.demands); err != nil {
			return fmt.Errorf("demo demands %d to %d: %w", bt.first, bt.first+bt.count-1, err)
		}
		p.add(bt.count)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The tables grew at once: PostgreSQL is to plan from what they hold.
	return st.RefreshStatistics(ctx)
}

// demand makes the n-th demo demand: one part per customer whose accounts
// it names, each with a history that fits its assessment and its age.
func (b *bulkGenerator) demand(n int) ([]store.ImportedDemand, error) {
	rng := rand.New(rand.NewPCG(20261122, uint64(n)))
	in := b.request(rng, n, b.received(rng))
	received := *in.ReceivedAt
	var parts []store.ImportedDemand
	for _, accounts := range b.byCustomer(in.Accounts) {
		part := in
		part.Accounts = accounts
		if in.Emergency != nil {
			e := *in.Emergency
			part.Emergency = &e
		}
		imp, err := b.life(rng, part, received)
		if err != nil {
			return nil, err
		}
		imp.SameRequest = len(parts) > 0
		parts = append(parts, imp)
	}
	return parts, nil
}

// received draws when a demand arrived, within the last ten years. A
// provider receives more demands each year than the year before, so
// recent years hold more of them.
func (b *bulkGenerator) received(rng *rand.Rand) time.Time {
	u := rng.Float64()
	if rng.IntN(2) == 0 {
		u = math.Sqrt(u) // density rising linearly towards now
	}
	age := time.Duration((1 - u) * float64(history))
	return b.now.Add(-age).Truncate(time.Second)
}

func (b *bulkGenerator) request(rng *rand.Rand, n int, received time.Time) writ.DemandInput {
	a := weighted(rng, agencyWeights)
	ts := templates()[a]
	t := ts[rng.IntN(len(ts))]
	c := weighted(rng, customerWeights)
	accounts := b.customers[c].Accounts
	first := rng.IntN(len(accounts))
	named := []string{accounts[first]}
	if len(accounts) > 1 && rng.IntN(4) == 0 {
		named = append(named, accounts[(first+1)%len(accounts)])
	}
	if rng.IntN(25) == 0 { // now and then a demand spans two tenants and is split
		named = append(named, b.customers[(c+1)%len(b.customers)].Accounts[0])
	}
	received = sinceInForce(t.instrument, received, b.now)
	day := received.Format(time.DateOnly)
	in := writ.DemandInput{
		Reference: fmt.Sprintf("%s%05d", referencePrefix, n), AgencyID: b.agencies[a].ID, Channel: writ.Channels()[rng.IntN(4)],
		ReceivedAt: &received, Requester: fmt.Sprintf("officer%d@%s", rng.IntN(90)+10, b.agencies[a].Domains[0]),
		Instrument: t.instrument, IssuedBy: t.issuedBy, Citation: t.citation,
		DataCategories: slices.Clone(t.categories), Accounts: named,
		DateRange: &writ.DateRange{From: received.AddDate(-1, 0, 0).Format(time.DateOnly), To: day},
	}
	if t.offence > 0 {
		offence := t.offence
		in.OffenceMaxYears = &offence
	}
	if t.emergency {
		in.Emergency = &writ.Emergency{Justification: "credible threat to life: a missing minor believed to be with the account holder"}
	}
	if t.ndo && rng.IntN(2) == 0 {
		until := ""
		if months := []int{0, 6, 12, 24}[rng.IntN(4)]; months > 0 {
			until = received.AddDate(0, months, 0).Format(time.DateOnly)
		}
		in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: until}
	}
	if rng.IntN(3) == 0 {
		due := received.Add(14 * 24 * time.Hour)
		in.Due = &due
	}
	return in
}

// byCustomer groups accounts by customer, in the order they were named,
// as intake splits a demand.
func (b *bulkGenerator) byCustomer(accounts []string) [][]string {
	var order []int
	groups := map[int][]string{}
	for _, a := range accounts {
		c := b.customerOf[a]
		if _, ok := groups[c]; !ok {
			order = append(order, c)
		}
		if !slices.Contains(groups[c], a) {
			groups[c] = append(groups[c], a)
		}
	}
	out := make([][]string, 0, len(order))
	for _, c := range order {
		out = append(out, groups[c])
	}
	return out
}

// life decides where a demand received at received stands today and the
// steps that brought it there. Demands of the last three days are still
// being checked; those of the last half-year are spread over every state,
// as the first demo demands are; older ones are closed, mostly the way
// their assessment's route points.
func (b *bulkGenerator) life(rng *rand.Rand, in writ.DemandInput, received time.Time) (store.ImportedDemand, error) {
	age := b.now.Sub(received)
	var t target
	switch {
	case age < 3*24*time.Hour:
		t = target{state: []writ.State{writ.StateReceived, writ.StateVerifying, writ.StateInReview}[weighted(rng, []int{4, 3, 3})]}
	case age < 183*24*time.Hour:
		t = targets()[rng.IntN(len(targets()))]
	default:
		t = target{state: writ.StateClosed}
	}
	imp := store.ImportedDemand{Input: in, RecordedBy: b.reviewer}
	if t.state == writ.StateReceived {
		return imp, nil
	}
	// The requester is confirmed (and an emergency called back) before
	// review; the plan follows the assessment of the demand as it will
	// then stand, which is the one ImportDemands stores.
	imp.RequesterVerified = true
	if imp.Input.Emergency != nil {
		called := received.Add(5 * time.Minute)
		if called.After(b.now) {
			called = b.now
		}
		imp.Callback = &writ.Callback{Number: b.agencyOf(in.AgencyID).Phone, By: b.reviewer.Name, At: called}
	}
	a, err := b.assess(imp)
	if err != nil {
		return imp, err
	}
	if t.state == writ.StateClosed && t.via == "" {
		t.via = closingWay(rng, a, b.agencyOf(in.AgencyID).Verified)
	}
	if secret(a) {
		// National-security process is never redirected to the customer.
		t.state, t.via = unredirected(t.state), unredirected(t.via)
	}
	imp.History = b.steps(rng, t, a, received, len(in.Accounts))
	if !slices.ContainsFunc(imp.History, func(s store.ImportedStep) bool { return s.Transition.To == writ.StateInReview }) {
		imp.RequesterVerified, imp.Callback = false, nil
	}
	return imp, nil
}

func (b *bulkGenerator) agencyOf(id int64) writ.Agency {
	for _, a := range b.agencies {
		if a.ID == id {
			return a
		}
	}
	return writ.Agency{}
}

// assess is the rulebook's assessment of the imported demand.
func (b *bulkGenerator) assess(imp store.ImportedDemand) (rules.Assessment, error) {
	in := imp.Input
	c := b.customers[b.customerOf[in.Accounts[0]]]
	d := writ.Demand{
		ReceivedAt: *in.ReceivedAt, Channel: in.Channel, RequesterVerified: imp.RequesterVerified, Instrument: in.Instrument,
		IssuedBy: in.IssuedBy, ValidatedBy: in.ValidatedBy, OffenceMaxYears: in.OffenceMaxYears, OffenceListed: in.OffenceListed,
		OffenceInIssuingState: in.OffenceInIssuingState, DataCategories: in.DataCategories, Accounts: in.Accounts, Due: in.Due,
		Nondisclosure: in.Nondisclosure, CustomerFirstException: in.CustomerFirstException, SubjectResidence: in.SubjectResidence,
	}
	if in.Emergency != nil {
		d.Emergency = &writ.Emergency{Justification: in.Emergency.Justification, VerifiedByCallback: imp.Callback != nil}
	}
	k, err := casework.CaseOf(&d, b.agencyOf(in.AgencyID), c)
	if err != nil {
		return rules.Assessment{}, err
	}
	return b.rules.Assess(k), nil
}

// closingWay picks how an old demand was closed: mostly as its route
// says, now and then otherwise, as a legal team does.
func closingWay(rng *rand.Rand, a rules.Assessment, agencyVerified bool) writ.State {
	const (
		disclose  = writ.StateDisclosed
		redirect  = writ.StateRedirected
		reject    = writ.StateRejected
		noData    = writ.StateNoData
		challenge = writ.StateChallenged
		withdrawn = writ.StateInReview // closed by withdrawal while in review
	)
	pick := func(ways []writ.State, weights []int) writ.State { return ways[weighted(rng, weights)] }
	canDisclose := a.LegallySufficient && agencyVerified && len(a.DisclosableCategories) > 0 && a.Notice.Timing != rules.NoticeNone
	switch {
	case !a.LegallySufficient:
		return pick([]writ.State{reject, withdrawn}, []int{92, 8})
	case a.Route == rules.RouteRedirectToCustomer:
		return pick([]writ.State{redirect, withdrawn, noData}, []int{85, 10, 5})
	case a.Route == rules.RouteChallenge && canDisclose:
		return pick([]writ.State{challenge, disclose, reject}, []int{60, 25, 15})
	case a.Route == rules.RouteChallenge, a.Route == rules.RouteReferToMLAT:
		return pick([]writ.State{reject, withdrawn}, []int{90, 10})
	case a.Route == rules.RoutePreserve:
		return pick([]writ.State{noData, withdrawn}, []int{60, 40})
	case a.Route == rules.RouteRespond && canDisclose:
		return pick([]writ.State{disclose, noData, withdrawn, reject}, []int{65, 25, 5, 5})
	}
	return pick([]writ.State{noData, withdrawn}, []int{95, 5})
}

// steps is the history that takes a demand to target t, as advance takes
// the first demo demands there, each step a while after the one before.
// A history that would reach past today stops where today is.
//
// Long because: one case per target state, in the order of a demand's life: a
// script, read top to bottom.
func (b *bulkGenerator) steps(rng *rand.Rand, t target, a rules.Assessment, received time.Time, accounts int) []store.ImportedStep {
	var out []store.ImportedStep
	at := received
	stopped := false
	step := func(actor writ.Actor, after, spread time.Duration, in writ.TransitionInput) {
		at = at.Add(after + time.Duration(rng.Int64N(int64(spread)))).Truncate(time.Second)
		if stopped || at.After(b.now) {
			stopped = true
			return
		}
		out = append(out, store.ImportedStep{Actor: actor, At: at, Transition: in})
	}
	const hour, day = time.Hour, 24 * time.Hour
	rv, ap := b.reviewer, b.approver
	step(rv, 10*time.Minute, 6*hour, writ.TransitionInput{To: writ.StateVerifying, Rationale: "checking the requester against the agency registry"})
	if t.state == writ.StateVerifying {
		return out
	}
	step(rv, hour, 3*day, writ.TransitionInput{To: writ.StateInReview, Rationale: "requester confirmed by call-back to the registered number"})
	if t.state == writ.StateInReview {
		return out
	}
	via := t.state
	if t.state == writ.StateClosed {
		via = t.via
	}
	closing := func(in writ.TransitionInput) {
		if t.state == writ.StateClosed {
			step(rv, day, 10*day, in)
		}
	}
	switch via {
	case writ.StateInReview: // withdrawn
		step(rv, day, 20*day, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "the agency withdrew the demand by letter"})
		return out
	case writ.StateRedirected, writ.StateRejected, writ.StateNoData:
		step(rv, day, 20*day, writ.TransitionInput{To: via, Rationale: rationale(via)})
		closing(writ.TransitionInput{To: writ.StateClosed, Rationale: "answer sent to the agency"})
		return out
	case writ.StateChallenged:
		step(rv, day, 20*day, writ.TransitionInput{To: writ.StateChallenged, Rationale: rationale(via),
			Challenge: &writ.ChallengeInput{Grounds: "conflict with the law of the customer's home country", Forum: "issuing court"}})
		if t.state == writ.StateClosed {
			step(rv, 20*day, 100*day, writ.TransitionInput{To: writ.StateClosed, ChallengeOutcome: "won", Rationale: "the court quashed the order"})
		}
		return out
	}
	if !a.LegallySufficient {
		// The rulebook finds the demand insufficient: the team rejects it.
		step(rv, day, 20*day, writ.TransitionInput{To: writ.StateRejected, Rationale: "legally insufficient under the rulebook"})
		closing(writ.TransitionInput{To: writ.StateClosed, Rationale: "answer sent to the agency"})
		return out
	}
	step(ap, day, 20*day, writ.TransitionInput{To: writ.StateApproved, Rationale: "legally sufficient; disclosure limited to what the instrument compels"})
	if t.state == writ.StateApproved {
		return out
	}
	gagged := slices.Contains([]string{rules.NoticeProhibited, rules.NoticeDelayed, rules.NoticeAfterEmergency}, a.Notice.Timing)
	if !gagged {
		step(rv, 0, day, writ.TransitionInput{To: writ.StateNoticed, Rationale: "notice letter sent to the customer"})
	}
	if t.state == writ.StateNoticed || len(a.DisclosableCategories) == 0 {
		return out
	}
	if !gagged {
		// The notice went by registered letter, whose receipt the legal
		// team recorded; production waits for the customer's objection
		// window, from then and never before the rulebook's earliest
		// disclosure.
		step(rv, day, 2*day, writ.TransitionInput{})
		if !stopped {
			out[len(out)-1].Delivery = &writ.DeliveryInput{Method: "registered_letter", Evidence: fmt.Sprintf("registered letter RR %09d US, receipt signed", rng.IntN(1e9))}
		}
		at = at.Add(b.rules.ObjectionWindow())
		for _, dl := range a.Deadlines {
			if dl.Code == rules.DeadlineEarliestDisclosure && at.Before(dl.Due) {
				at = dl.Due
			}
		}
	}
	step(rv, day, 5*day, writ.TransitionInput{To: writ.StateDisclosed, Rationale: "production package delivered through the agency portal",
		Disclosure: &writ.DisclosureInput{Categories: a.DisclosableCategories, Accounts: accounts, Records: 1 + rng.IntN(5000)}})
	closing(writ.TransitionInput{To: writ.StateClosed, Rationale: "production acknowledged by the agency"})
	return out
}

// weighted picks an index with the given relative weights.
func weighted(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}
