package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/notify"
	"writ/report"
	"writ/store/storetest"
)

// The tests of this file take the ways that broke the principles through
// the API, as an agency, a hurried reviewer or an admin would.

// call sends a request and decodes a 2xx answer into out; it fails the
// test unless the status is want.
func (f *apiFixture) call(t *testing.T, caller, method, path, body string, want int, out any) {
	t.Helper()
	status, b := f.do(t, caller, method, path, []byte(body))
	if status != want {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, caller, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// tokenFor makes an API token for a user, as the command line would.
func (f *apiFixture) tokenFor(t *testing.T, name string, a writ.Actor) {
	t.Helper()
	tok, err := f.Identity.CreateToken(context.Background(), writ.System(), a.UserID, writ.TokenInput{Label: name})
	if err != nil {
		t.Fatal(err)
	}
	f.tokens[name] = tok.Secret
}

// An agency cannot vouch for its own emergency: the call-back exists only
// as the legal team's record of a call to the registered number.
func TestAgencyCannotVerifyItsOwnEmergency(t *testing.T) {
	f := newAPIFixture(t)
	forged := `{"reference":"EM-FORGED","instrument":"us_emergency","issued_by":"other","data_categories":["subscriber"],
		"accounts":["joe@mail.example"],"emergency":{"justification":"a child is missing","verified_by_callback":true}}`
	status, body := f.do(t, "agencyUS", "POST", "/v1/demands", []byte(forged))
	if status != 400 || !strings.Contains(string(body), `"field":"emergency.verified_by_callback"`) {
		t.Fatalf("a forged call-back: %d %s", status, body)
	}
	var d writ.Demand
	f.call(t, "agencyUS", "POST", "/v1/demands", strings.Replace(forged, `,"verified_by_callback":true`, ``, 1), 201, &d)
	unverified := func() bool {
		var a struct {
			Deficiencies []struct{ Code string } `json:"deficiencies"`
		}
		f.call(t, "reviewer", "GET", fmt.Sprintf("/v1/demands/%d/assessment", d.ID), "", 200, &a)
		return slices.ContainsFunc(a.Deficiencies, func(x struct{ Code string }) bool { return x.Code == "EMERGENCY_UNVERIFIED" })
	}
	if !unverified() {
		t.Fatal("a new emergency is verified")
	}
	// Nothing the agency sends makes it go away.
	for _, r := range []struct{ method, path, body string }{
		{"POST", fmt.Sprintf("/v1/demands/%d/callbacks", d.ID), `{"number":"+1 555 0100","outcome":"confirmed"}`},
		{"PATCH", fmt.Sprintf("/v1/demands/%d", d.ID), `{"emergency_verified_by_callback":true,"callback_number":"+1 555 0100"}`},
		{"PATCH", fmt.Sprintf("/v1/demands/%d", d.ID), `{"requester_verified":true}`},
		{"PATCH", fmt.Sprintf("/v1/demands/%d", d.ID), `{"reference":"EM-1"}`},
	} {
		status, body := f.do(t, "agencyUS", r.method, r.path, []byte(r.body))
		if status < 400 && r.body != `{"reference":"EM-1"}` {
			t.Fatalf("%s %s %s: %d %s", r.method, r.path, r.body, status, body)
		}
		if !unverified() {
			t.Fatalf("%s %s %s verified the emergency", r.method, r.path, r.body)
		}
	}
	// The legal team calls the registered number and records it.
	f.call(t, "reviewer", "POST", fmt.Sprintf("/v1/demands/%d/callbacks", d.ID), `{"number":"+1 555 0000","outcome":"confirmed"}`, 400, nil)
	var c writ.Callback
	f.call(t, "reviewer", "POST", fmt.Sprintf("/v1/demands/%d/callbacks", d.ID), `{"number":"+1 (555) 0100","outcome":"confirmed","notes":"duty desk"}`, 201, &c)
	if c.By != "Rhea" || c.Outcome != "confirmed" || unverified() {
		t.Fatalf("the recorded call %+v did not verify the emergency", c)
	}
}

// An emergency comes first in the API's default order, with its response
// target, and in the alerts.
func TestEmergencyComesFirstInTheAPI(t *testing.T) {
	f := newAPIFixture(t)
	var e, later writ.Demand
	f.call(t, "agencyUS", "POST", "/v1/demands", `{"instrument":"us_emergency","issued_by":"other","data_categories":["subscriber"],
		"accounts":["joe@mail.example"],"emergency":{"justification":"a child is missing"}}`, 201, &e)
	f.call(t, "agencyUS", "POST", "/v1/demands", `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["jane@mail.example"]}`, 201, &later)
	for _, path := range []string{"/v1/demands", "/v1/demands?sort=deadline"} {
		var page writ.Page[writ.Demand]
		f.call(t, "reviewer", "GET", path, "", 200, &page)
		if len(page.Items) == 0 || page.Items[0].ID != e.ID || page.Items[0].ResponseTarget == nil || !page.Items[0].ResponseTarget.Equal(storetest.Start.Add(4*time.Hour)) {
			t.Fatalf("%s does not list the emergency first with its response target: %+v", path, page.Items)
		}
	}
	var alerts writ.Alerts
	f.call(t, "approver", "GET", "/v1/alerts", "", 200, &alerts)
	if len(alerts.Emergencies) != 1 || alerts.Emergencies[0].ID != e.ID {
		t.Fatalf("alerts: %+v", alerts)
	}
}

// Moving a demand to noticed is not giving notice: with no delivery,
// nothing is disclosed however far the clock moves; a delivery recorded
// with its evidence starts the objection window.
func TestNoticedIsNotDelivered(t *testing.T) {
	f := newAPIFixture(t)
	var d writ.Demand
	f.call(t, "agencyUS", "POST", "/v1/demands", `{"instrument":"us_search_warrant","issued_by":"judge","data_categories":["content"],"accounts":["joe@mail.example"]}`, 201, &d)
	path := fmt.Sprintf("/v1/demands/%d", d.ID)
	for _, m := range []struct{ who, to string }{{"reviewer", "verifying"}, {"reviewer", "in_review"}, {"approver", "approved"}, {"reviewer", "noticed"}} {
		f.call(t, m.who, "POST", path+"/transitions", `{"to":"`+m.to+`","rationale":"r"}`, 200, nil)
	}
	var n writ.Notice
	f.call(t, "reviewer", "GET", path+"/notice", "", 200, &n)
	if n.State == "sent" || n.GivenAt != nil {
		t.Fatalf("noticed marked the notice %s, given %v", n.State, n.GivenAt)
	}
	produce := func(want int) {
		t.Helper()
		pkg := `{"scope":{"accounts":["joe@mail.example"],"categories":["content"],"date_range":null},"rationale":"produced","records":3}`
		if status, out := f.do(t, "reviewer", "POST", path+"/production", []byte(packageBody(t, pkg, "joe.mbox", "From joe\n")), multipartHeader...); status != want {
			t.Fatalf("package: %d, want %d: %s", status, want, out)
		}
	}
	f.Clock.Advance(216 * time.Hour)
	produce(409)
	f.call(t, "reviewer", "POST", path+"/notice/deliveries", `{"method":"registered_letter","evidence":"RR 555 US, signed for"}`, 201, &n)
	if n.GivenAt == nil || !n.GivenAt.Equal(f.Clock.Now()) {
		t.Fatalf("the recorded delivery: %+v", n)
	}
	f.Clock.Advance(7*24*time.Hour - time.Second)
	produce(409)
	f.Clock.Advance(time.Second)
	produce(201)
	f.sign(t, d.ID)
	f.call(t, "reviewer", "GET", path, "", 200, &d)
	if d.State != writ.StateDisclosed {
		t.Fatalf("after the package and its certificate the demand is %s", d.State)
	}
}

// An admin cannot act as an approver by minting their token: the request
// waits for a second admin. Tokens end when revoked or the user is
// deactivated.
func TestFourEyesHoldAgainstTokenMinting(t *testing.T) {
	f := newAPIFixture(t)
	var req writ.TokenRequest
	f.call(t, "admin", "POST", fmt.Sprintf("/v1/users/%d/tokens", f.Approver.UserID), `{"label":"mine now"}`, 202, &req)
	if req.State != "pending" {
		t.Fatalf("request %+v", req)
	}
	status, body := f.do(t, "admin", "POST", fmt.Sprintf("/v1/token-requests/%d/confirmation", req.ID), nil)
	if status != 403 || strings.Contains(string(body), "writ_") {
		t.Fatalf("the admin confirmed its own request: %d %s", status, body)
	}
	f.tokenFor(t, "admin2", f.secondAdmin(t))
	var tok writ.NewToken
	f.call(t, "admin2", "POST", fmt.Sprintf("/v1/token-requests/%d/confirmation", req.ID), "", 201, &tok)
	f.tokens["robot"] = tok.Secret
	var me meResponse
	f.call(t, "robot", "GET", "/v1/me", "", 200, &me)
	if me.UserID != f.Approver.UserID {
		t.Fatalf("the confirmed token is user %d's", me.UserID)
	}
	// Revoked, it stops at once; a deactivated user's tokens all stop.
	f.call(t, "approver", "POST", fmt.Sprintf("/v1/tokens/%d/revocation", tok.ID), `{"reason":"not needed"}`, 200, nil)
	f.call(t, "robot", "GET", "/v1/me", "", 401, nil)
	f.call(t, "admin", "POST", fmt.Sprintf("/v1/users/%d/deactivation", f.Approver.UserID), `{"reason":"left the company"}`, 200, nil)
	f.call(t, "approver", "GET", "/v1/me", "", 401, nil)
	f.call(t, "admin", "POST", fmt.Sprintf("/v1/users/%d/deactivation", f.Admin.UserID), `{"reason":"me"}`, 403, nil)
}

// Submitting a demand tells an agency nothing about which accounts the
// provider holds: a demand for an unheld account is taken in like any
// other, answered no data by the legal team, and counted.
func TestNoAccountOracle(t *testing.T) {
	f := newAPIFixture(t)
	keys := func(body string) []string {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		var out []string
		for k, v := range m {
			if k == "customer_id" && v != nil {
				t.Fatalf("the agency learns customer %v", v)
			}
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	held := `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`
	s1, b1 := f.do(t, "agencyUS", "POST", "/v1/demands", []byte(held))
	s2, b2 := f.do(t, "agencyUS", "POST", "/v1/demands", []byte(strings.Replace(held, "joe@mail.example", "ghost@nowhere.example", 1)))
	if s1 != 201 || s2 != 201 || !slices.Equal(keys(string(b1)), keys(string(b2))) {
		t.Fatalf("held %d, unheld %d: the answers differ:\n%s\n%s", s1, s2, b1, b2)
	}
	// Nor does naming an account beside one the provider does not hold.
	for _, accounts := range []string{`"ghost@nowhere.example","jane@mail.example"`, `"ghost@nowhere.example","nobody@nowhere.example"`} {
		var x writ.Demand
		f.call(t, "agencyUS", "POST", "/v1/demands", strings.Replace(held, `"joe@mail.example"`, accounts, 1), 201, &x)
		if len(x.Linked) != 0 || len(x.Accounts) != 2 {
			t.Fatalf("naming %s: %+v", accounts, x)
		}
	}
	var d writ.Demand
	check(t, json.Unmarshal(b2, &d))
	before := f.totals(t)
	path := fmt.Sprintf("/v1/demands/%d/transitions", d.ID)
	for _, to := range []string{"verifying", "in_review", "no_data", "closed"} {
		f.call(t, "reviewer", "POST", path, `{"to":"`+to+`","rationale":"no such account"}`, 200, &d)
	}
	after := f.totals(t)
	if d.Outcome != writ.OutcomeNoData || before != (reportTotals{6, 0}) || after != (reportTotals{6, 1}) {
		t.Fatalf("closed %q; the report counts %+v before and %+v after, want the unheld account's demand among 6, then as no data", d.Outcome, before, after)
	}
}

// totals are the demands and no-data outcomes the 2026-H2 report counts
// now (the report is computed, not published).
type reportTotals struct{ Demands, NoData int64 }

func (f *apiFixture) totals(t *testing.T) reportTotals {
	t.Helper()
	ctx := context.Background()
	signed, err := f.Store.IssueCheckpoint(ctx, f.logKey.Signer)
	check(t, err)
	r, err := report.NewService(f.Store, f.Store.Rules(), f.Clock.Now).BuildReport(ctx, f.Auditor,
		report.BuildOptions{Period: report.Period{Year: 2026, Half: 2}, Checkpoint: signed, Verifier: f.logKey.Verifier})
	check(t, err)
	return reportTotals{r.Totals.Demands, r.Totals.Outcomes.NoData.Demands}
}

// Documents have an audience: the legal team's memo and the agency's
// warrant are not the customer's, nor the memo the agency's.
func TestDocumentsKeepToTheirAudience(t *testing.T) {
	f := newAPIFixture(t)
	path := fmt.Sprintf("/v1/demands/%d/documents", f.dUS.ID)
	var memo, order writ.Document
	f.call(t, "reviewer", "POST", path+"?name=memo.pdf", "%PDF-1.7 our analysis", 201, &memo)
	f.call(t, "agencyUS", "POST", path+"?name=order.pdf&audience=all", "%PDF-1.7 the order", 201, &order)
	f.call(t, "agencyUS", "POST", path+"?name=x.pdf&audience=legal", "%PDF-1.7 x", 400, nil)
	list := func(caller string) []string {
		var page writ.Page[writ.Document]
		f.call(t, caller, "GET", path, "", 200, &page)
		var out []string
		for _, d := range page.Items {
			out = append(out, d.Name)
		}
		slices.Sort(out)
		return out
	}
	for caller, want := range map[string][]string{
		"agencyUS":    {"order.pdf", "warrant.pdf"},
		"customerEnt": {"order.pdf"},
		"auditor":     {"memo.pdf", "order.pdf", "warrant.pdf"},
	} {
		if got := list(caller); !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", caller, got, want)
		}
	}
	for _, caller := range []string{"agencyUS", "customerEnt"} {
		f.call(t, caller, "GET", path+"/"+memo.SHA256, "", 404, nil)
	}
	f.call(t, "customerEnt", "GET", path+"/"+f.docSHA, "", 404, nil)
	f.call(t, "reviewer", "PUT", path+"/"+f.docSHA+"/audience", `{"audience":"all"}`, 200, nil)
	f.call(t, "customerEnt", "GET", path+"/"+f.docSHA, "", 200, nil)
}

// A Section 702 directive is never redirected nor shown to its customer,
// whatever route the rulebook gives it.
func TestNationalSecurityDirectiveRevealsNothing(t *testing.T) {
	f := newAPIFixture(t)
	f.tokenFor(t, "nsb", f.NationalSecurityAgent(t))
	var d writ.Demand
	f.call(t, "nsb", "POST", "/v1/demands", `{"instrument":"us_fisa_702_directive","issued_by":"other","data_categories":["content"],"accounts":["anna@beispiel.example"]}`, 201, &d)
	path := fmt.Sprintf("/v1/demands/%d", d.ID)
	f.call(t, "reviewer", "POST", path+"/documents?name=directive.pdf&audience=all", "%PDF-1.7 directive", 201, nil)
	for _, to := range []string{"verifying", "in_review"} {
		f.call(t, "reviewer", "POST", path+"/transitions", `{"to":"`+to+`","rationale":"r"}`, 200, nil)
	}
	f.call(t, "reviewer", "POST", path+"/transitions", `{"to":"redirected","rationale":"customer first"}`, 409, nil)
	f.call(t, "customerEnt", "GET", path, "", 404, nil)
	f.call(t, "customerEnt", "GET", path+"/documents", "", 404, nil)
	var page writ.Page[writ.Demand]
	f.call(t, "customerEnt", "GET", "/v1/demands", "", 200, &page)
	if slices.ContainsFunc(page.Items, func(x writ.Demand) bool { return x.ID == d.ID }) {
		t.Fatal("the customer lists the directive")
	}
	var jobs writ.Page[writ.Job]
	f.call(t, "auditor", "GET", path+"/jobs", "", 200, &jobs)
	for _, j := range jobs.Items {
		if (j.Kind == notify.JobRedirectLetter || j.Kind == notify.JobNoticeEmail || j.Kind == notify.JobNoticeWebhook) && j.State != "cancelled" {
			t.Fatalf("a %s job is %s", j.Kind, j.State)
		}
	}
}

// A demand dated in the future is refused; a customer sees its part of a
// split request with no other tenant's id.
func TestCustomerViewsRevealNoOtherTenant(t *testing.T) {
	f := newAPIFixture(t)
	status, body := f.do(t, "reviewer", "POST", "/v1/demands", []byte(fmt.Sprintf(`{"agency_id":%d,"channel":"mail","received_at":"2099-01-01T00:00:00Z",
		"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`, f.AgencyUS.ID)))
	if status != 400 || !strings.Contains(string(body), `"field":"received_at"`) {
		t.Fatalf("a demand received in 2099: %d %s", status, body)
	}
	var first writ.Demand
	f.call(t, "agencyUS", "POST", "/v1/demands", `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],
		"accounts":["anna@beispiel.example","jane@mail.example"]}`, 201, &first)
	if len(first.Linked) != 1 {
		t.Fatalf("split: %+v", first)
	}
	status, body = f.do(t, "customerCons", "GET", fmt.Sprintf("/v1/demands/%d", first.Linked[0]), nil)
	if status != 200 || strings.Contains(string(body), fmt.Sprintf(":%d,", first.ID)) || strings.Contains(string(body), fmt.Sprintf("[%d]", first.ID)) {
		t.Fatalf("the customer's part names the other tenant's %d: %d %s", first.ID, status, body)
	}
}

// When a non-disclosure order has ended, the notice waits for the legal
// team's check: the demand shows review_due, and goes once confirmed.
func TestEndedOrderWaitsForTheLegalTeam(t *testing.T) {
	f := newAPIFixture(t)
	var d writ.Demand
	f.call(t, "agencyUS", "POST", "/v1/demands", `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],
		"accounts":["joe@mail.example"],"nondisclosure":{"basis":"18 U.S.C. 2705(b)","until":"2026-11-25"}}`, 201, &d)
	path := fmt.Sprintf("/v1/demands/%d", d.ID)
	f.Clock.Advance(10 * 24 * time.Hour)
	f.call(t, "reviewer", "GET", path, "", 200, &d)
	if d.NoticeState != writ.NoticeReviewDue {
		t.Fatalf("notice %s after the order ended", d.NoticeState)
	}
	f.call(t, "customerCons", "GET", path, "", 404, nil)
	f.call(t, "agencyUS", "POST", path+"/nondisclosure-review", `{"checked":"we say so"}`, 403, nil)
	f.call(t, "reviewer", "POST", path+"/nondisclosure-review", `{"checked":"the clerk confirmed no extension"}`, 200, &d)
	if d.NoticeState != "scheduled" {
		t.Fatalf("notice %s after the check", d.NoticeState)
	}
	f.call(t, "customerCons", "GET", path, "", 200, nil)
	var deadlines writ.Page[writ.DeadlineEntry]
	f.call(t, "reviewer", "GET", path+"/deadlines", "", 200, &deadlines)
	for _, dl := range deadlines.Items {
		if dl.Code == "NOTICE" && dl.Status != writ.DeadlineMet {
			t.Fatalf("NOTICE %s after the check", dl.Status)
		}
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
