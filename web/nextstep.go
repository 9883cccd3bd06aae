package web

import (
	"slices"
	"strings"

	"writ"
	"writ/rules"
)

// nextStep is what the rulebook says to do next with a demand and why: a
// sentence built from the assessment and the demand, the move that does it
// (none when the step is a call or a decision with a form of its own) and
// where on the page its form is.
type nextStep struct {
	Sentence string
	To       writ.State
	Anchor   string
}

// deadlineDay is the day a deadline of the assessment falls on, or "".
func deadlineDay(d *demandData, codes ...string) (string, string) {
	for _, dl := range d.Deadlines {
		if slices.Contains(codes, dl.Code) && dl.Status == "open" {
			return dl.Due.UTC().Format("2006-01-02"), dl.Code
		}
	}
	return "", ""
}

// next reads the next step of a demand the legal team holds.
func next(d *demandData) *nextStep {
	dm, a := d.Demand, d.Assessment
	if a == nil {
		return nil
	}
	if dm.Emergency != nil && !dm.Emergency.VerifiedByCallback && dm.State != writ.StateClosed && dm.State.CanMove(writ.StateClosed) {
		phone := d.AgencyPhone
		if phone == "" {
			phone = "(none registered: register the agency's number first)"
		}
		return &nextStep{Sentence: "Call " + d.AgencyName + " at its registered number " + phone +
			" to confirm the emergency — never a number the request gives.", Anchor: "#callback"}
	}
	if d.OpenObjection != nil {
		return &nextStep{Sentence: "Decide the customer's objection: uphold it (then reject, challenge or narrow) or overrule it.", Anchor: "#responses"}
	}
	switch dm.State {
	case writ.StateReceived:
		return &nextStep{Sentence: "Check the request and who sent it: move it to verifying.", To: writ.StateVerifying}
	case writ.StateVerifying:
		if !dm.RequesterVerified {
			return &nextStep{Sentence: "Confirm that the requester speaks for " + d.AgencyName + ", then take the demand into review.", To: writ.StateInReview}
		}
		return &nextStep{Sentence: "The requester is confirmed: take the demand into review.", To: writ.StateInReview}
	case writ.StateInReview:
		return reviewStep(d, a)
	case writ.StateApproved:
		if dm.NoticeState == "delayed" || d.Customer == nil {
			return &nextStep{Sentence: "Upload the production package: making it available discloses the approved data.", Anchor: "#production"}
		}
		return &nextStep{Sentence: "Give the customer notice before anything is disclosed.", To: writ.StateNoticed}
	case writ.StateNoticed:
		if day, code := deadlineDay(d, "EARLIEST_DISCLOSURE", "ENFORCING_AUTHORITY_WINDOW"); day != "" {
			return &nextStep{Sentence: "Make the production package available not before " + day + " (" + labelSource(code) + "), unless the customer objects.", Anchor: "#production"}
		}
		return &nextStep{Sentence: "The customer has notice: upload the production package, which discloses the approved data once available.", Anchor: "#production"}
	case writ.StateChallenged:
		return &nextStep{Sentence: "Record the challenge's outcome: close the demand if it was won, approve it if it was lost.", To: writ.StateClosed}
	case writ.StateRedirected, writ.StateRejected, writ.StateNoData, writ.StateDisclosed:
		return &nextStep{Sentence: "The answer is given: close the demand.", To: writ.StateClosed}
	}
	return nil
}

// reviewStep is the next step of a demand in review: the assessment's route.
func reviewStep(d *demandData, a *rules.Assessment) *nextStep {
	if d.Customer == nil {
		return &nextStep{Sentence: "No data: the provider holds none of the accounts named. Answer it as no data.", To: writ.StateNoData}
	}
	switch a.Route {
	case rules.RouteRedirectToCustomer:
		return &nextStep{Sentence: "Redirect: send the letter to the customer's legal contact, " + d.Customer.LegalContact + ", and tell the agency to go to the customer.",
			To: writ.StateRedirected}
	case rules.RouteReject, rules.RouteReferToMLAT:
		var why []string
		for _, def := range a.Deficiencies {
			why = append(why, strings.ToLower(label(def.Code)))
		}
		s := "Reject the demand"
		if a.Route == rules.RouteReferToMLAT {
			s = "Reject the demand and refer the agency to a treaty request (MLAT)"
		}
		if len(why) > 0 {
			s += ": " + strings.Join(why, "; ")
		}
		return &nextStep{Sentence: s + ".", To: writ.StateRejected}
	case rules.RouteChallenge:
		s := "Challenge the demand"
		if day, code := deadlineDay(d, "OBJECTION", "CONFLICT_OBJECTION", "COMITY_MOTION"); day != "" {
			s = "Object under " + sourceOr(code) + " by " + day
		}
		return &nextStep{Sentence: s + ".", To: writ.StateChallenged}
	case rules.RouteNoData:
		return &nextStep{Sentence: "No data: answer that the provider holds none.", To: writ.StateNoData}
	}
	cats := a.DisclosableCategories
	if len(cats) == 0 {
		return &nextStep{Sentence: "Nothing may be disclosed under the rulebook: answer it as no data.", To: writ.StateNoData}
	}
	var words []string
	for _, c := range cats {
		words = append(words, strings.ToLower(label(c)))
	}
	return &nextStep{Sentence: "Approve the disclosure of " + strings.Join(words, ", ") + " — a second person approves (four eyes); narrow it if you can.",
		To: writ.StateApproved}
}

// sourceOr is a deadline's legal source, or its label when it has none.
func sourceOr(code string) string {
	if s := sources[code]; s != "" {
		return s
	}
	return label(code)
}
