package storetest

import (
	"strings"
	"testing"

	"writ"
)

func testReasons(t *testing.T, f *Fixture) {
	in := Warrant("joe@mail.example")
	in.Instrument, in.IssuedBy = "us_subpoena", "other"
	rejected := submit(t, f, f.AgencyUserUS, in)
	intoReview(t, f, f.Reviewer, rejected.ID)
	r, err := f.Store.Reasons(ctx, f.AgencyUserUS, rejected.ID)
	check(t, err)
	if len(r.Deficiencies) != 0 {
		t.Fatalf("an open demand shows the agency its assessment: %+v", r)
	}
	move(t, f, f.Reviewer, rejected.ID, writ.TransitionInput{To: writ.StateRejected})
	r, err = f.Store.Reasons(ctx, f.AgencyUserUS, rejected.ID)
	check(t, err)
	if len(r.Deficiencies) == 0 || r.Deficiencies[0].Code != "CATEGORY_NOT_PERMITTED" || !strings.Contains(r.Deficiencies[0].Message, "18 U.S.C. 2703(c)(2)") {
		t.Fatalf("reasons of the rejection: %+v", r)
	}
	_, err = f.Store.Reasons(ctx, f.AgencyUserDE, rejected.ID)
	wantCode(t, err, writ.ENOTFOUND)

	redirected := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example"))
	intoReview(t, f, f.Reviewer, redirected.ID)
	move(t, f, f.Reviewer, redirected.ID, writ.TransitionInput{To: writ.StateRedirected})
	r, err = f.Store.Reasons(ctx, f.AgencyUserUS, redirected.ID)
	check(t, err)
	if r.RedirectTo == nil || r.RedirectTo.LegalContact != "recht@beispiel.example" || r.RedirectTo.Customer != "Beispiel AG" {
		t.Fatalf("reasons of the redirect: %+v", r)
	}
	_, err = f.Store.Reasons(ctx, f.CustomerUserEnterprise, redirected.ID)
	wantCode(t, err, writ.EFORBIDDEN)

	challenged := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	intoReview(t, f, f.Reviewer, challenged.ID)
	move(t, f, f.Reviewer, challenged.ID, writ.TransitionInput{To: writ.StateChallenged, Challenge: &writ.ChallengeInput{
		Grounds: "internal: the judge's signature looks pasted", Forum: "issuing court", SharedGrounds: "the warrant is overbroad"}})
	r, err = f.Store.Reasons(ctx, f.AgencyUserUS, challenged.ID)
	check(t, err)
	if r.ChallengeGrounds != "the warrant is overbroad" {
		t.Fatalf("reasons of the challenge: %+v", r)
	}
}
