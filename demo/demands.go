package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"writ"
	"writ/rules"
)

// target is where a demo demand ends up: a state and, for closed demands,
// the way it got there.
type target struct {
	state writ.State
	via   writ.State // closed only: the state it was closed from
}

// targets cycles through every state and every way of closing.
func targets() []target {
	return []target{
		{state: writ.StateReceived}, {state: writ.StateVerifying}, {state: writ.StateInReview},
		{state: writ.StateRedirected}, {state: writ.StateRejected}, {state: writ.StateChallenged},
		{state: writ.StateNoData}, {state: writ.StateApproved}, {state: writ.StateNoticed},
		{state: writ.StateDisclosed},
		{state: writ.StateClosed, via: writ.StateDisclosed}, {state: writ.StateClosed, via: writ.StateRedirected},
		{state: writ.StateClosed, via: writ.StateRejected}, {state: writ.StateClosed, via: writ.StateNoData},
		{state: writ.StateClosed, via: writ.StateChallenged}, {state: writ.StateClosed, via: writ.StateInReview},
	}
}

// template is a kind of demand an agency typically sends.
type template struct {
	instrument, issuedBy, citation string
	categories                     []string
	offence                        float64
	emergency                      bool
	ndo                            bool
}

// templates lists, for each demo agency in order, the demands it sends.
func templates() [][]template {
	return [][]template{
		{ // Federal Bureau of Investigation
			{instrument: "us_search_warrant", issuedBy: "judge", citation: "18 U.S.C. 2703(a)", categories: []string{"content", "subscriber"}, ndo: true},
			{instrument: "us_2703d_order", issuedBy: "judge", citation: "18 U.S.C. 2703(d)", categories: []string{"subscriber", "traffic"}, ndo: true},
			{instrument: "us_subpoena", issuedBy: "other", citation: "18 U.S.C. 2703(c)(2)", categories: []string{"subscriber"}},
			{instrument: "us_emergency", issuedBy: "other", citation: "18 U.S.C. 2702(b)(8)", categories: []string{"subscriber", "content"}, emergency: true},
			{instrument: "us_preservation_2703f", issuedBy: "other", citation: "18 U.S.C. 2703(f)", categories: []string{"content"}},
		},
		{ // Manhattan District Attorney's Office
			{instrument: "us_subpoena", issuedBy: "prosecutor", citation: "18 U.S.C. 2703(c)(2)", categories: []string{"subscriber", "identification"}},
			{instrument: "us_search_warrant", issuedBy: "judge", citation: "18 U.S.C. 2703(a)", categories: []string{"content"}},
		},
		{ // FBI National Security Branch
			{instrument: "us_nsl", issuedBy: "other", citation: "18 U.S.C. 2709", categories: []string{"subscriber"}},
			{instrument: "us_fisa_order", issuedBy: "judge", citation: "50 U.S.C. 1805", categories: []string{"content"}},
		},
		{ // Metropolitan Police Service
			{instrument: "uk_copo", issuedBy: "judge", citation: "Crime (Overseas Production Orders) Act 2019", categories: []string{"content", "subscriber"}, offence: 7},
			{instrument: "foreign_police_request", issuedBy: "police", citation: "Investigatory Powers Act 2016", categories: []string{"subscriber"}},
		},
		{ // Bundeskriminalamt
			{instrument: "eu_epoc", issuedBy: "judge", citation: "Regulation (EU) 2023/1543, Art. 5", categories: []string{"content"}, offence: 5},
			{instrument: "eu_epoc", issuedBy: "prosecutor", citation: "Regulation (EU) 2023/1543, Art. 5", categories: []string{"subscriber"}},
			{instrument: "eu_epoc_pr", issuedBy: "prosecutor", citation: "Regulation (EU) 2023/1543, Art. 6", categories: []string{"content"}},
		},
		{ // Parquet de Paris
			{instrument: "eu_epoc", issuedBy: "prosecutor", citation: "Regulation (EU) 2023/1543, Art. 5", categories: []string{"subscriber", "identification"}},
		},
		{ // Politie Nederland
			{instrument: "eu_epoc", issuedBy: "judge", citation: "Regulation (EU) 2023/1543, Art. 5", categories: []string{"traffic"}, offence: 4},
		},
		{ // Australian Federal Police
			{instrument: "au_ipo", issuedBy: "judge", citation: "Telecommunications (Interception and Access) Act 1979, Sch. 1", categories: []string{"content"}, offence: 10},
		},
		{ // An Garda Síochána
			{instrument: "foreign_court_order", issuedBy: "judge", citation: "Criminal Justice (Mutual Assistance) Act 2008", categories: []string{"subscriber"}},
		},
		{ // Polícia Federal
			{instrument: "foreign_police_request", issuedBy: "police", citation: "Marco Civil da Internet, art. 10", categories: []string{"subscriber"}},
			{instrument: "mlat", issuedBy: "judge", citation: "Brazil–US MLAT, executed under 18 U.S.C. 3512", categories: []string{"content"}},
			{instrument: "foreign_preservation_request", issuedBy: "police", citation: "Marco Civil da Internet, art. 15 §2", categories: []string{"traffic"}},
		},
		{ // Autorité des marchés financiers
			{instrument: "foreign_police_request", issuedBy: "other", citation: "Code monétaire et financier, art. L. 621-10", categories: []string{"subscriber"}},
		},
		{ // Counsel for plaintiff (a private litigant: civil subpoenas only)
			{instrument: "us_civil_subpoena", issuedBy: "other", citation: "Fed. R. Civ. P. 45", categories: []string{"subscriber", "traffic"}},
		},
		{ // Springfield Police Department (unverified: the forged-emergency case)
			{instrument: "us_emergency", issuedBy: "other", citation: "18 U.S.C. 2702(b)(8)", categories: []string{"content"}, emergency: true},
		},
	}
}

// request builds the n-th demo demand.
func (g *generator) request(rng *rand.Rand, n int) writ.DemandInput {
	a := rng.IntN(len(g.agencies))
	ts := templates()[a]
	t := ts[rng.IntN(len(ts))]
	cs := customers()
	c := rng.IntN(len(cs))
	accounts := cs[c].Accounts
	named := []string{accounts[rng.IntN(len(accounts))]}
	if len(accounts) > 1 && rng.IntN(4) == 0 {
		named = append(named, accounts[(slices.Index(accounts, named[0])+1)%len(accounts)])
	}
	if rng.IntN(25) == 0 { // now and then a demand spans two tenants and is split
		other := cs[(c+1)%len(cs)].Accounts
		named = append(named, other[0])
	}
	in := writ.DemandInput{
		Reference: fmt.Sprintf("%s%05d", referencePrefix, n), AgencyID: g.agencies[a], Channel: []string{"portal", "api", "email", "mail"}[rng.IntN(4)],
		Requester:  fmt.Sprintf("officer%d@%s", rng.IntN(90)+10, agencies()[a].Domains[0]),
		Instrument: t.instrument, IssuedBy: t.issuedBy, Citation: t.citation,
		DataCategories: slices.Clone(t.categories), Accounts: named,
		DateRange: &writ.DateRange{From: "2025-01-01", To: "2025-12-31"},
	}
	if t.offence > 0 {
		in.OffenceMaxYears = &t.offence
	}
	if n%41 == 0 {
		// Now and then a forgery: a demand from a domain made to look
		// like the agency's own.
		in.Requester = "duty.officer@" + strings.Replace(agencies()[a].Domains[0], ".", "-", 1) + ".com"
	}
	if t.emergency {
		in.Emergency = &writ.Emergency{Justification: "credible threat to life: a missing minor believed to be with the account holder"}
	}
	if t.ndo && rng.IntN(2) == 0 {
		in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: []string{"", "2027-06-30", "2028-12-31"}[rng.IntN(3)]}
	}
	return in
}

// advance moves a new demand to its target through the store's own
// transitions, as the legal team would.
//
// Long because: one case per target state, in the order of a demand's life: a
// script, read top to bottom.
func (g *generator) advance(ctx context.Context, d writ.Demand, t target, rng *rand.Rand) error {
	if t.state == writ.StateReceived {
		return nil
	}
	rv, ap := g.reviewer, g.approver
	if err := g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateVerifying, Rationale: "checking the requester against the agency registry"}); err != nil || t.state == writ.StateVerifying {
		return err
	}
	// The team confirms the requester and any emergency by calling the
	// agency's registered number. A requester on a look-alike domain
	// cannot be confirmed: such a demand goes on unverified and is
	// rejected below.
	verified := true
	if _, err := g.st.UpdateDemand(ctx, rv, d.ID, writ.DemandPatch{RequesterVerified: &verified}); err != nil && writ.ErrorCode(err) != writ.ECONFLICT {
		return err
	}
	if d.Emergency != nil {
		phone := agencies()[slices.Index(g.agencies, d.AgencyID)].Phone
		if _, err := g.st.RecordCallback(ctx, rv, d.ID, writ.CallbackInput{Number: phone, Outcome: writ.CallbackConfirmed,
			Notes: "the duty officer confirmed the request and the danger"}); err != nil {
			return err
		}
	}
	if err := g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateInReview, Rationale: "requester confirmed by call-back to the registered number"}); err != nil || t.state == writ.StateInReview {
		return err
	}
	via := t.state
	if t.state == writ.StateClosed {
		via = t.via
	}
	if via == writ.StateRedirected {
		a, err := g.assessment(ctx, d.ID)
		if err != nil {
			return err
		}
		if secret(a) {
			// National-security process is never redirected to the
			// customer.
			via = unredirected(via)
		}
	}
	switch via {
	case writ.StateInReview: // withdrawn
		return g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "the agency withdrew the demand by letter"})
	case writ.StateRedirected, writ.StateRejected, writ.StateNoData:
		if err := g.move(ctx, rv, d.ID, writ.TransitionInput{To: via, Rationale: rationale(via)}); err != nil {
			return err
		}
		if via == writ.StateRejected {
			if err := g.write(ctx, d.ID, writ.ThreadAgency, "We cannot answer this demand as it stands: the reasons are on this page. "+
				"A corrected demand is welcome as a new submission."); err != nil {
				return err
			}
		}
		if t.state != writ.StateClosed {
			return nil
		}
		return g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateClosed, Rationale: "answer sent to the agency"})
	case writ.StateChallenged:
		err := g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateChallenged, Rationale: rationale(via),
			Challenge: &writ.ChallengeInput{Grounds: "conflict with the law of the customer's home country", Forum: "issuing court"}})
		if err != nil || t.state != writ.StateClosed {
			return err
		}
		return g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateClosed, ChallengeOutcome: "won", Rationale: "the court quashed the order"})
	}
	// Approval and what follows.
	err := g.move(ctx, ap, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "legally sufficient; disclosure limited to what the instrument compels"})
	if writ.ErrorCode(err) == writ.ECONFLICT {
		// The rulebook found the demand insufficient: the team rejects it.
		return g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateRejected, Rationale: "legally insufficient under the rulebook"})
	}
	if err != nil || t.state == writ.StateApproved {
		return err
	}
	a, err := g.assessment(ctx, d.ID)
	if err != nil {
		return err
	}
	gagged := slices.Contains([]string{"prohibited", "delayed", "after_emergency"}, a.Notice.Timing)
	if !gagged {
		if err := g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateNoticed, Rationale: "notice letter sent to the customer"}); err != nil {
			return err
		}
		if err := g.write(ctx, d.ID, writ.ThreadCustomer, "Our notice of this demand is on its way to you. "+
			"Write to us here if you wish to object or to answer the authority yourself."); err != nil {
			return err
		}
	}
	if t.state == writ.StateNoticed || len(a.DisclosableCategories) == 0 {
		return nil
	}
	if !gagged {
		if err := g.deliverNotice(ctx, d, rng, true); err != nil {
			return err
		}
	}
	if err := g.produce(ctx, d, a.DisclosableCategories, 1+rng.IntN(5000)); err != nil || t.state != writ.StateClosed {
		return err
	}
	return g.move(ctx, rv, d.ID, writ.TransitionInput{To: writ.StateClosed, Rationale: "production acknowledged by the agency"})
}

// write posts the reviewer's message on a thread of a demand, as the legal
// team writes to the agency about a refusal or to the customer about its
// notice. A customer not to be told yet is not written to.
func (g *generator) write(ctx context.Context, id int64, thread, body string) error {
	_, err := g.st.PostMessage(ctx, g.reviewer, id, thread, writ.MessageInput{Body: body})
	if thread == writ.ThreadCustomer && writ.ErrorCode(err) == writ.EFORBIDDEN {
		return nil
	}
	return err
}

// deliverNotice records that a due notice reached the customer by
// registered letter a day after it fell due, as the legal team does when
// it has no mail server (the demo has none). A notice that is not due,
// held back or given already is left alone, and so, unless the demand is
// to be disclosed, is one writ does not send (timing none).
func (g *generator) deliverNotice(ctx context.Context, d writ.Demand, rng *rand.Rand, disclosing bool) error {
	n, err := g.st.Notice(ctx, g.reviewer, d.ID)
	if err != nil || n.GivenAt != nil || !disclosing && n.State != "scheduled" && n.State != "failed" {
		return err
	}
	due := d.ReceivedAt
	if n.SendAt != nil && n.SendAt.After(due) {
		due = *n.SendAt
	}
	delivered := due.Add(24 * time.Hour)
	if delivered.After(g.now) {
		return nil
	}
	_, err = g.st.RecordDelivery(ctx, g.reviewer, d.ID, writ.DeliveryInput{Method: "registered_letter", DeliveredAt: &delivered,
		Evidence: fmt.Sprintf("registered letter RR %09d US, receipt signed", rng.IntN(1e9))})
	if writ.ErrorCode(err) == writ.ECONFLICT {
		return nil
	}
	return err
}

// produce answers a demand with a production package through writ, as
// the legal team does: a reviewer uploads one file of the approved
// categories and, for US legal process, the approver signs its
// certificate of authenticity. Making it available discloses the demand.
func (g *generator) produce(ctx context.Context, d writ.Demand, categories []string, records int) error {
	content := fmt.Sprintf("demand,%d\naccounts,%s\ncategories,%s\nrecords,%d\n", d.ID, strings.Join(d.Accounts, " "), strings.Join(categories, " "), records)
	p, err := g.st.Produce(ctx, g.reviewer, d.ID, writ.ProductionInput{Scope: writ.ProductionScope{Accounts: d.Accounts, Categories: categories, DateRange: d.DateRange},
		Files:   []writ.ProductionUpload{{Name: fmt.Sprintf("demand-%d-production.csv", d.ID), Content: []byte(content)}},
		Records: records, Rationale: "production package delivered through the agency portal"})
	if err != nil || p.Certificate == nil {
		return err
	}
	_, err = g.st.SignCertificate(ctx, g.approver, d.ID, writ.CertificateSignature{Name: g.approver.Name, Title: "Custodian of Records"},
		func(context.Context) (string, error) { return "no second factor: generated demo data", nil })
	return err
}

func (g *generator) move(ctx context.Context, actor writ.Actor, id int64, in writ.TransitionInput) error {
	_, err := g.st.Transition(ctx, actor, id, in)
	return err
}

func (g *generator) assessment(ctx context.Context, id int64) (rules.Assessment, error) {
	var a rules.Assessment
	body, err := g.st.Assessment(ctx, writ.System(), id)
	if err != nil {
		return a, err
	}
	return a, json.Unmarshal(body, &a)
}

// secret reports whether the assessment binds the provider to secrecy
// towards the customer, so that the demand cannot be redirected to them.
func secret(a rules.Assessment) bool {
	return slices.Contains(a.Flags, rules.FlagNationalSecurity) || a.Notice.Timing == rules.NoticeProhibited
}

// unredirected is the state a team takes a demand it may not redirect to
// instead of redirected: it answers no data.
func unredirected(s writ.State) writ.State {
	if s == writ.StateRedirected {
		return writ.StateNoData
	}
	return s
}

func rationale(s writ.State) string {
	switch s {
	case writ.StateRedirected:
		return "enterprise customer: the agency is referred to the customer's legal contact"
	case writ.StateRejected:
		return "the instrument cannot compel the categories asked for"
	case writ.StateNoData:
		return "no data held for the named accounts in the requested period"
	case writ.StateChallenged:
		return "conflict of laws: motion to quash filed"
	}
	return string(s)
}

// euRegulationApplies is when Regulation (EU) 2023/1543 began to apply
// (Art. 34): the demo's European orders arrive after it, as real ones do.
var euRegulationApplies = time.Date(2026, 8, 18, 0, 0, 0, 0, time.UTC)

// sinceInForce moves the receipt of a European order drawn before the
// Regulation applied to the same point of the time since (up to now).
func sinceInForce(instrument string, received, now time.Time) time.Time {
	if !strings.HasPrefix(instrument, "eu_") || !received.Before(euRegulationApplies) || !now.After(euRegulationApplies) {
		return received
	}
	span := now.Sub(euRegulationApplies)
	return euRegulationApplies.Add(time.Duration(received.UnixNano() % int64(span))).Truncate(time.Second)
}
