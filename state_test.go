package writ_test

import (
	"fmt"
	"testing"
	"time"

	"writ"
)

// lifeOfADemand is domain.md's diagram, written out edge by edge, plus the
// edges its text adds (disclosure without prior notice when notice is
// lawfully held back; withdrawal by the agency before disclosure; back to
// review on the customer's objection).
var lifeOfADemand = map[writ.State][]writ.State{
	writ.StateReceived:   {writ.StateVerifying, writ.StateClosed},
	writ.StateVerifying:  {writ.StateInReview, writ.StateClosed},
	writ.StateInReview:   {writ.StateRedirected, writ.StateRejected, writ.StateChallenged, writ.StateNoData, writ.StateApproved, writ.StateClosed},
	writ.StateRedirected: {writ.StateClosed},
	writ.StateRejected:   {writ.StateClosed},
	writ.StateChallenged: {writ.StateClosed, writ.StateApproved},
	writ.StateNoData:     {writ.StateClosed},
	writ.StateApproved:   {writ.StateNoticed, writ.StateDisclosed, writ.StateClosed, writ.StateInReview},
	writ.StateNoticed:    {writ.StateDisclosed, writ.StateClosed, writ.StateInReview},
	writ.StateDisclosed:  {writ.StateClosed},
	writ.StateClosed:     {},
}

func TestEveryEdgeNotInTheLifeOfADemandIsRefused(t *testing.T) {
	for _, from := range writ.States() {
		for _, to := range writ.States() {
			want := false
			for _, x := range lifeOfADemand[from] {
				want = want || x == to
			}
			if got := from.CanMove(to); got != want {
				t.Errorf("CanMove(%s → %s) = %v, want %v", from, to, got, want)
			}
			if want {
				continue
			}
			d := &writ.Demand{State: from, RequesterVerified: true}
			reviewer := int64(1)
			d.ReviewerID = &reviewer
			_, err := writ.CheckTransition(writ.Actor{UserID: 2, Role: writ.RoleAdmin}, writ.TransitionContext{Demand: d, LegallySufficient: true, AgencyVerified: true},
				writ.TransitionInput{To: to, Rationale: "r", Withdrawn: to == writ.StateClosed})
			if writ.ErrorCode(err) != writ.ECONFLICT {
				t.Errorf("%s → %s: got %v, want ECONFLICT", from, to, err)
			}
		}
	}
}

func TestCheckTransition(t *testing.T) {
	reviewerID, otherID := int64(7), int64(8)
	reviewer := writ.Actor{UserID: reviewerID, Role: writ.RoleReviewer}
	approver := writ.Actor{UserID: otherID, Role: writ.RoleApprover}
	selfApprover := writ.Actor{UserID: reviewerID, Role: writ.RoleApprover}
	agency := writ.Actor{UserID: 9, Role: writ.RoleAgency, AgencyID: 1}
	demand := func(s writ.State, verified bool) *writ.Demand {
		return &writ.Demand{State: s, ReviewerID: &reviewerID, RequesterVerified: verified}
	}
	given := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	ok := func(d *writ.Demand) writ.TransitionContext {
		return writ.TransitionContext{Demand: d, LegallySufficient: true, AgencyVerified: true, NoticeTiming: "before_disclosure",
			NoticeState: "sent", NoticeGivenAt: &given}
	}
	undelivered := func(tc writ.TransitionContext) writ.TransitionContext {
		tc.NoticeState, tc.NoticeGivenAt = "scheduled", nil
		return tc
	}
	disclosure := &writ.DisclosureInput{Categories: []string{"subscriber"}}
	objected := func(tc writ.TransitionContext) writ.TransitionContext {
		tc.ObjectionOpen = true
		return tc
	}
	cases := []struct {
		name    string
		actor   writ.Actor
		tc      writ.TransitionContext
		in      writ.TransitionInput
		code    string
		outcome string
	}{
		{"approver approves another's review", approver, ok(demand(writ.StateInReview, true)), writ.TransitionInput{To: writ.StateApproved}, "", ""},
		{"self-approval is refused", selfApprover, ok(demand(writ.StateInReview, true)), writ.TransitionInput{To: writ.StateApproved}, writ.EFORBIDDEN, ""},
		{"a reviewer cannot approve", reviewer, ok(demand(writ.StateInReview, true)), writ.TransitionInput{To: writ.StateApproved}, writ.EFORBIDDEN, ""},
		{"an insufficient demand cannot be approved", approver, writ.TransitionContext{Demand: demand(writ.StateInReview, true), Deficiencies: []string{"JUDGE_REQUIRED"}}, writ.TransitionInput{To: writ.StateApproved}, writ.ECONFLICT, ""},
		{"an unverified requester never gets data", reviewer, ok(demand(writ.StateNoticed, false)), writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"an unverified agency never gets data", reviewer, writ.TransitionContext{Demand: demand(writ.StateNoticed, true), LegallySufficient: true}, writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"no disclosure before notice", reviewer, ok(demand(writ.StateApproved, true)), writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"disclosure without notice under a gag", reviewer, writ.TransitionContext{Demand: demand(writ.StateApproved, true), LegallySufficient: true, AgencyVerified: true, NoticeTiming: "delayed", NoticeState: "delayed"}, writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, "", ""},
		{"disclosure without notice after a released gag is refused", reviewer, writ.TransitionContext{Demand: demand(writ.StateApproved, true), LegallySufficient: true, AgencyVerified: true, NoticeTiming: "delayed", NoticeState: "scheduled"}, writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"no disclosure while the notice has not been delivered", reviewer, undelivered(ok(demand(writ.StateNoticed, true))), writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"no disclosure before the window after delivery ends", reviewer, func() writ.TransitionContext {
			tc := ok(demand(writ.StateNoticed, true))
			tc.Now, tc.ObjectionWindowEnds = given.Add(time.Hour), given.Add(7*24*time.Hour)
			return tc
		}(), writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"notice is given once a released gag lets it", reviewer, writ.TransitionContext{Demand: demand(writ.StateApproved, true), LegallySufficient: true, AgencyVerified: true, NoticeTiming: "delayed", NoticeState: "scheduled"}, writ.TransitionInput{To: writ.StateNoticed}, "", ""},
		{"no notice while a gag holds", reviewer, writ.TransitionContext{Demand: demand(writ.StateApproved, true), LegallySufficient: true, AgencyVerified: true, NoticeTiming: "delayed", NoticeState: "delayed"}, writ.TransitionInput{To: writ.StateNoticed}, writ.ECONFLICT, ""},
		{"national-security process is never redirected", reviewer, writ.TransitionContext{Demand: demand(writ.StateInReview, true), LegallySufficient: true, AgencyVerified: true, NationalSecurity: true, NoticeState: "prohibited"}, writ.TransitionInput{To: writ.StateRedirected}, writ.ECONFLICT, ""},
		{"disclosure needs a description", reviewer, ok(demand(writ.StateNoticed, true)), writ.TransitionInput{To: writ.StateDisclosed}, writ.EINVALID, ""},
		{"an agency withdraws", agency, ok(demand(writ.StateInReview, true)), writ.TransitionInput{To: writ.StateClosed, Withdrawn: true}, "", writ.OutcomeWithdrawn},
		{"an agency moves nothing else", agency, ok(demand(writ.StateReceived, true)), writ.TransitionInput{To: writ.StateVerifying}, writ.EFORBIDDEN, ""},
		{"no withdrawal after disclosure", agency, ok(demand(writ.StateDisclosed, true)), writ.TransitionInput{To: writ.StateClosed, Withdrawn: true}, writ.ECONFLICT, ""},
		{"closing a disclosure of content", reviewer, writ.TransitionContext{Demand: demand(writ.StateDisclosed, true), DisclosedCategories: []string{"content", "subscriber"}}, writ.TransitionInput{To: writ.StateClosed}, "", writ.OutcomeContentDisclosed},
		{"closing a disclosure without content", reviewer, writ.TransitionContext{Demand: demand(writ.StateDisclosed, true), DisclosedCategories: []string{"subscriber"}}, writ.TransitionInput{To: writ.StateClosed}, "", writ.OutcomeNonContentDisclosed},
		{"closing a redirect", reviewer, ok(demand(writ.StateRedirected, true)), writ.TransitionInput{To: writ.StateClosed}, "", writ.OutcomeRedirected},
		{"closing a rejection", reviewer, ok(demand(writ.StateRejected, true)), writ.TransitionInput{To: writ.StateClosed}, "", writ.OutcomeRejected},
		{"closing no data", reviewer, ok(demand(writ.StateNoData, true)), writ.TransitionInput{To: writ.StateClosed}, "", writ.OutcomeNoData},
		{"closing a won challenge", reviewer, ok(demand(writ.StateChallenged, true)), writ.TransitionInput{To: writ.StateClosed, ChallengeOutcome: "won"}, "", writ.OutcomeRejected},
		{"a lost challenge is not closed", reviewer, ok(demand(writ.StateChallenged, true)), writ.TransitionInput{To: writ.StateClosed, ChallengeOutcome: "lost"}, writ.EINVALID, ""},
		{"a lost challenge leads to approval", approver, ok(demand(writ.StateChallenged, true)), writ.TransitionInput{To: writ.StateApproved, ChallengeOutcome: "lost"}, "", ""},
		{"a challenge needs grounds", reviewer, ok(demand(writ.StateInReview, true)), writ.TransitionInput{To: writ.StateChallenged, Challenge: &writ.ChallengeInput{Forum: "court"}}, writ.EINVALID, ""},
		{"an approved demand is not simply closed", reviewer, ok(demand(writ.StateApproved, true)), writ.TransitionInput{To: writ.StateClosed}, writ.ECONFLICT, ""},
		{"auditors move nothing", writ.Actor{UserID: 3, Role: writ.RoleAuditor}, ok(demand(writ.StateReceived, true)), writ.TransitionInput{To: writ.StateVerifying}, writ.EFORBIDDEN, ""},
		{"an open objection blocks disclosure", reviewer, objected(ok(demand(writ.StateNoticed, true))), writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, writ.ECONFLICT, ""},
		{"an open objection blocks approval", approver, objected(ok(demand(writ.StateInReview, true))), writ.TransitionInput{To: writ.StateApproved}, writ.ECONFLICT, ""},
		{"a decided objection no longer blocks disclosure", reviewer, ok(demand(writ.StateNoticed, true)), writ.TransitionInput{To: writ.StateDisclosed, Disclosure: disclosure}, "", ""},
		{"nobody takes an approved demand back to review by hand", approver, ok(demand(writ.StateApproved, true)), writ.TransitionInput{To: writ.StateInReview}, writ.ECONFLICT, ""},
		{"nor a noticed one", writ.Actor{UserID: 1, Role: writ.RoleAdmin}, ok(demand(writ.StateNoticed, true)), writ.TransitionInput{To: writ.StateInReview}, writ.ECONFLICT, ""},
		{"customers move nothing", writ.Actor{UserID: 4, Role: writ.RoleCustomer, CustomerID: 1}, ok(demand(writ.StateReceived, true)), writ.TransitionInput{To: writ.StateVerifying}, writ.EFORBIDDEN, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.Rationale = "reason"
			outcome, err := writ.CheckTransition(c.actor, c.tc, in)
			if got := writ.ErrorCode(err); got != c.code {
				t.Fatalf("error %v (code %q), want code %q", err, got, c.code)
			}
			if outcome != c.outcome {
				t.Fatalf("outcome %q, want %q", outcome, c.outcome)
			}
		})
	}
}

func TestSniffDocument(t *testing.T) {
	cases := map[string]string{
		"%PDF-1.7\n":           "application/pdf",
		"\x89PNG\r\n\x1a\n...": "image/png",
		"\xff\xd8\xff\xe0":     "image/jpeg",
		"II*\x00":              "image/tiff",
		"MM\x00*":              "image/tiff",
		"<html>%PDF-":          "",
		"":                     "",
		"#!/bin/sh\n":          "",
	}
	for content, want := range cases {
		got, err := writ.SniffDocument([]byte(content))
		if got != want || (want == "") != (err != nil) {
			t.Errorf("SniffDocument(%q) = %q, %v; want %q", content, got, err, want)
		}
	}
}

func FuzzSniffDocument(f *testing.F) {
	for _, s := range []string{"%PDF-1.4", "\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "II*\x00", "text"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ct, err := writ.SniffDocument(b)
		if (ct == "") != (err != nil) {
			t.Fatalf("type %q with error %v", ct, err)
		}
		if err != nil && writ.ErrorField(err) != "document" {
			t.Fatalf("error names %q", writ.ErrorField(err))
		}
	})
}

func ExampleErrorMessage() {
	fmt.Println(writ.ErrorMessage(writ.FieldErrorf("accounts[2]", "not an account of this provider")))
	fmt.Println(writ.ErrorMessage(fmt.Errorf("store: %w", fmt.Errorf("pq: relation missing"))))
	// Output:
	// accounts[2]: not an account of this provider
	// internal error
}
