package store_test

import (
	"context"
	"testing"
	"time"

	"writ"
	"writ/store/storetest"
)

func TestObjectionBlocksDisclosureSQLite(t *testing.T) { testObjection(t, storetest.SQLite) }

func TestObjectionBlocksDisclosurePostgres(t *testing.T) { testObjection(t, storetest.Postgres) }

// testObjection runs a consumer warrant to noticed; the customer objects,
// which puts the demand back in review and blocks approval and disclosure
// until the reviewer decides the objection; overruled, it is approved
// anew by a second person and disclosed. Another tenant cannot respond.
func testObjection(t *testing.T, open storetest.Opener) {
	ctx := context.Background()
	f := storetest.NewFixture(t, open)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	code := func(err error, want string) {
		t.Helper()
		if writ.ErrorCode(err) != want {
			t.Fatalf("got %v, want %s", err, want)
		}
	}
	move := func(a writ.Actor, id int64, in writ.TransitionInput) (writ.Demand, error) {
		in.Rationale = "because"
		return f.Store.Transition(ctx, a, id, in)
	}
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	must(err)
	for _, step := range []struct {
		a  writ.Actor
		to writ.State
	}{{f.Reviewer, writ.StateVerifying}, {f.Reviewer, writ.StateInReview}, {f.Approver, writ.StateApproved}, {f.Reviewer, writ.StateNoticed}} {
		_, err := move(step.a, d.ID, writ.TransitionInput{To: step.to})
		must(err)
	}
	// Only the customer itself responds; another tenant learns nothing.
	_, err = f.Store.Respond(ctx, f.CustomerUserEnterprise, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseObject, Grounds: "x"})
	code(err, writ.ENOTFOUND)
	_, err = f.Store.Respond(ctx, f.Reviewer, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseObject, Grounds: "x"})
	code(err, writ.EFORBIDDEN)
	_, err = f.Store.Respond(ctx, f.CustomerUserConsumer, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseObject})
	if writ.ErrorField(err) != "grounds" {
		t.Fatalf("an objection without grounds: %v", err)
	}
	_, err = f.Store.Respond(ctx, f.CustomerUserConsumer, d.ID, writ.CustomerResponseInput{Kind: "complain"})
	if writ.ErrorField(err) != "kind" {
		t.Fatalf("an unknown response: %v", err)
	}
	obj, err := f.Store.Respond(ctx, f.CustomerUserConsumer, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseObject, Grounds: "the warrant is overbroad"})
	must(err)
	got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	must(err)
	if got.State != writ.StateInReview {
		t.Fatalf("after the objection the demand is %s, want in_review", got.State)
	}
	f.Clock.Advance(8 * 24 * time.Hour) // the objection window is over; the objection still holds
	_, err = move(f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})
	code(err, writ.ECONFLICT)
	_, err = f.Store.Respond(ctx, f.CustomerUserConsumer, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseObject, Grounds: "again"})
	code(err, writ.ECONFLICT)
	// The customer and the agency may not decide it; the reviewer does.
	_, err = f.Store.DecideObjection(ctx, f.CustomerUserConsumer, d.ID, obj.ID, writ.ObjectionDecisionInput{Decision: "upheld", Rationale: "r"})
	code(err, writ.EFORBIDDEN)
	_, err = f.Store.DecideObjection(ctx, f.AgencyUserUS, d.ID, obj.ID, writ.ObjectionDecisionInput{Decision: "overruled", Rationale: "r"})
	code(err, writ.EFORBIDDEN)
	_, err = f.Store.DecideObjection(ctx, f.Reviewer, d.ID, obj.ID, writ.ObjectionDecisionInput{Decision: "maybe", Rationale: "r"})
	if writ.ErrorField(err) != "decision" {
		t.Fatalf("an unknown decision: %v", err)
	}
	decided, err := f.Store.DecideObjection(ctx, f.Reviewer, d.ID, obj.ID, writ.ObjectionDecisionInput{Decision: "overruled", Rationale: "the warrant names the accounts and the period"})
	must(err)
	if decided.Decision != "overruled" || decided.DecidedBy != "Rhea" {
		t.Fatalf("decision: %+v", decided)
	}
	_, err = f.Store.DecideObjection(ctx, f.Reviewer, d.ID, obj.ID, writ.ObjectionDecisionInput{Decision: "upheld", Rationale: "r"})
	code(err, writ.ECONFLICT)
	_, err = move(f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})
	must(err)
	_, err = move(f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateNoticed})
	must(err)
	f.Deliver(t, d.ID, writ.ProductionInput{Scope: writ.ProductionScope{Accounts: []string{"joe@mail.example"}, Categories: []string{"content"}},
		Files: []writ.ProductionUpload{{Name: "joe.mbox", Content: []byte("From joe\n")}}, Rationale: "the objection was overruled"})
	list, err := f.Store.Responses(ctx, f.CustomerUserConsumer, d.ID)
	must(err)
	if len(list) != 1 || list[0].Decision != "overruled" {
		t.Fatalf("responses: %+v", list)
	}
	_, err = f.Store.Responses(ctx, f.AgencyUserUS, d.ID)
	code(err, writ.EFORBIDDEN)
	page, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 500)
	must(err)
	kinds := map[string]int{}
	for _, e := range page.Items {
		kinds[e.Kind]++
	}
	if kinds["customer.object"] != 1 || kinds["objection.decided"] != 1 {
		t.Fatalf("events: %v", kinds)
	}
}

// TestAcknowledgement marks the notice acknowledged.
func TestAcknowledgementSQLite(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, storetest.SQLite)
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Respond(ctx, f.CustomerUserEnterprise, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseWillAnswerAgency}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.Respond(ctx, f.CustomerUserEnterprise, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseAcknowledge}); err != nil {
		t.Fatal(err)
	}
	n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
	if err != nil || n.State != "acknowledged" || n.AcknowledgedAt == nil {
		t.Fatalf("notice %+v, %v", n, err)
	}
}
