package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"writ"
)

var demandURL = regexp.MustCompile(`/demands/(\d+)$`)

// idOf reads the demand id of the page the browser is on.
func (b *browser) idOf() int64 {
	b.t.Helper()
	m := demandURL.FindStringSubmatch(b.resp.Request.URL.Path)
	if m == nil {
		b.t.Fatalf("not on a demand page: %s", b.resp.Request.URL)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// Every form of the demand's life works as a plain HTML form, posted and
// answered with a redirect, without JavaScript: the agency submits with
// its warrant, two legal users review and approve, the customer objects,
// the legal team decides, and the agency replies to the rejection.
func TestEveryFormWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()

	agency := s.browser(t).signIn(s.AgencyUserUS)
	agency.get("/agency/new").want(200, "/agency/new", "Submit a demand")
	agency.postFile("/agency/demands", url.Values{
		"key": {"k1"}, "reference": {"SW-2026-0042"}, "instrument": {"us_search_warrant"}, "issued_by": {"judge"},
		"data_categories": {"content", "subscriber"}, "accounts": {"joe@mail.example\n"},
		"date_from": {"2026-01-01"}, "date_to": {"2026-06-30"}, "citation": {"18 U.S.C. 2703(a)"},
	}, "document", "warrant.pdf", warrantPDF)
	agency.want(200, "", "was received", "SW-2026-0042", "warrant.pdf", "The provider&#39;s legal team is checking")
	id := agency.idOf()
	docs, err := s.Store.Documents(ctx, s.AgencyUserUS, id)
	if err != nil || len(docs) != 1 || docs[0].ContentType != "application/pdf" {
		t.Fatalf("documents %v, %v: want the warrant as a PDF", docs, err)
	}
	// The agency attaches a second document on its demand's page.
	agency.postFile(demandPath(id)+"/documents", url.Values{}, "document", "annex.pdf", append(warrantPDF, '\n'))
	agency.want(200, demandPath(id), "annex.pdf was attached")

	reviewer := s.browser(t).signIn(s.Reviewer)
	reviewer.get(demandPath(id)).want(200, demandPath(id), "Assessment", "Timeline", "Move to Verifying")
	reviewer.post(demandPath(id)+"/transitions", url.Values{"to": {"verifying"}, "rationale": {"checking the requester"}})
	reviewer.want(200, demandPath(id), "is now Verifying")
	reviewer.post(demandPath(id)+"/transitions", url.Values{"to": {"in_review"}, "rationale": {"requester confirmed"}})
	reviewer.want(200, demandPath(id), "is now In review", "Approval needs an approver")
	// Four eyes: the reviewer cannot approve, even by posting the form by hand.
	reviewer.post(demandPath(id)+"/transitions", url.Values{"to": {"approved"}, "rationale": {"self-approval"}})
	reviewer.want(http.StatusForbidden, demandPath(id)+"/transitions", "EFORBIDDEN")

	approver := s.browser(t).signIn(s.Approver)
	approver.get(demandPath(id)).want(200, "", "Four eyes: reviewed by Rhea")
	approver.post(demandPath(id)+"/transitions", url.Values{"to": {"approved"}, "rationale": {"warrant signed by a judge"}})
	approver.want(200, demandPath(id), "is now Approved")
	reviewer.get(demandPath(id))
	reviewer.post(demandPath(id)+"/transitions", url.Values{"to": {"noticed"}, "rationale": {"notice letter sent"}})
	reviewer.want(200, demandPath(id), "is now Noticed")

	customer := s.browser(t).signIn(s.CustomerUserConsumer)
	customer.get("/customer").want(200, "/customer", "SW-2026-0042")
	// The agency's warrant is for the legal team and the agency, until
	// the legal team shares it with the customer.
	customer.get(demandPath(id)).want(200, "", "Your answer")
	if strings.Contains(customer.page, "warrant.pdf") {
		t.Fatal("the customer sees the agency's warrant before the legal team shared it")
	}
	reviewer.post(demandPath(id)+"/documents/"+docs[0].SHA256+"/audience", url.Values{"audience": {"all"}})
	reviewer.want(200, demandPath(id), "is now for everyone on the demand")
	customer.get(demandPath(id)).want(200, "", "Your answer", "warrant.pdf")
	// An objection needs its grounds: the refusal is shown on the page.
	customer.post(demandPath(id)+"/responses", url.Values{"kind": {"object"}})
	customer.want(http.StatusBadRequest, "", "an objection needs its grounds")
	customer.post(demandPath(id)+"/responses", url.Values{"kind": {"object"}, "grounds": {"the accounts are not named in the warrant"}})
	customer.want(200, demandPath(id), "Your objection was recorded")
	d, err := s.Store.Demand(ctx, s.Reviewer, id)
	if err != nil || d.State != writ.StateInReview {
		t.Fatalf("after the objection the demand is %v (%v), want in_review", d.State, err)
	}
	customer.get("/customer/locations").want(200, "", "us-east-1", "Provider-managed keys")

	reviewer.get(demandPath(id)).want(200, "", "The customer objected", "Decide the objection")
	responses, err := s.Store.Responses(ctx, s.Reviewer, id)
	if err != nil || len(responses) != 1 {
		t.Fatalf("responses %v, %v", responses, err)
	}
	reviewer.post(demandPath(id)+"/objections/"+strconv.FormatInt(responses[0].ID, 10),
		url.Values{"decision": {"upheld"}, "rationale": {"the warrant does not name these accounts"}})
	reviewer.want(200, demandPath(id), "The objection was upheld")
	reviewer.post(demandPath(id)+"/transitions", url.Values{"to": {"rejected"}, "rationale": {"accounts outside the warrant"}})
	reviewer.want(200, demandPath(id), "is now Rejected")

	agency.get(demandPath(id)).want(200, "", "Rejected: the demand is not legally sufficient", "Reply to the rejection")
	agency.post(demandPath(id)+"/replies", url.Values{"message": {"a corrected warrant follows"}})
	agency.want(200, demandPath(id), "Your reply was sent", "a corrected warrant follows")
	reviewer.get(demandPath(id)).want(200, "", "a corrected warrant follows", "agency.replied")

	// A second demand, withdrawn by the agency from its page.
	agency.get("/agency/new")
	agency.postFile("/agency/demands", url.Values{"key": {"k2"}, "reference": {"SUB-7"}, "instrument": {"us_subpoena"},
		"issued_by": {"prosecutor"}, "data_categories": {"subscriber"}, "accounts": {"jane@mail.example"}}, "document", "", nil)
	agency.want(200, "", "was received")
	id2 := agency.idOf()
	agency.post(demandPath(id2)+"/transitions", url.Values{"to": {"closed"}, "withdrawn": {"on"}, "rationale": {"case closed"}})
	agency.want(200, demandPath(id2), "was withdrawn", "Closed (Withdrawn)")

	// The legal team records a requester as verified and challenges.
	in := writ.DemandInput{Reference: "EMAIL-1", AgencyID: s.AgencyUS.ID, Channel: "email", Requester: "dan@sheriff.example.gov",
		Instrument: "us_2703d_order", IssuedBy: "judge", DataCategories: []string{"traffic"}, Accounts: []string{"jane@mail.example"}}
	d3, _, err := s.Store.CreateDemand(ctx, s.Reviewer, in, "")
	if err != nil {
		t.Fatal(err)
	}
	reviewer.get(demandPath(d3.ID)).want(200, "", "Record the requester as verified")
	reviewer.post(demandPath(d3.ID)+"/requester", url.Values{}).want(200, demandPath(d3.ID), "recorded as verified")
	reviewer.post(demandPath(d3.ID)+"/transitions", url.Values{"to": {"verifying"}, "rationale": {"check"}})
	reviewer.post(demandPath(d3.ID)+"/transitions", url.Values{"to": {"in_review"}, "rationale": {"ok"}})
	reviewer.post(demandPath(d3.ID)+"/transitions", url.Values{"to": {"challenged"}, "rationale": {"overbroad"}, "grounds": {"overbroad period"}, "forum": {"the issuing court"}})
	reviewer.want(200, demandPath(d3.ID), "is now Challenged")
	reviewer.post(demandPath(d3.ID)+"/transitions", url.Values{"to": {"closed"}, "challenge_outcome": {"won"}, "rationale": {"order quashed"}})
	reviewer.want(200, demandPath(d3.ID), "is now Closed")

	// The admin pages: register an agency, create and confirm an agency
	// user, give them a password; the new user signs in.
	admin := s.browser(t).signIn(s.Admin)
	admin.get("/admin").want(200, "", "Rulebook in force", s.Store.Rules().Version())
	admin.get("/admin/agencies")
	admin.post("/admin/agencies", url.Values{"name": {"Gendarmerie"}, "country": {"fr"}, "kind": {"law_enforcement"},
		"domains": {"gendarmerie.example.fr"}, "phone": {"+33 1 00 00 00 00"}, "verified": {"on"}, "verification": {"called the ministry"}})
	admin.want(200, "/admin/agencies", "Gendarmerie was registered", "called the ministry")
	// An agency registered unverified is verified later, out of band.
	admin.post("/admin/agencies", url.Values{"name": {"Polizia di Stato"}, "country": {"it"}, "kind": {"law_enforcement"}, "domains": {"poliziadistato.example.it"}})
	admin.want(200, "/admin/agencies", "Polizia di Stato was registered", "not verified")
	italian, err := s.Store.Agencies(ctx, s.Admin, writ.AgencyFilter{Country: "IT"})
	if err != nil || len(italian.Items) != 1 || italian.Items[0].Verified {
		t.Fatalf("agencies in IT: %v, %v", italian.Items, err)
	}
	admin.post(fmt.Sprintf("/admin/agencies/%d/verification", italian.Items[0].ID), url.Values{"verification": {"called the Questura's published number"}})
	admin.want(200, "/admin/agencies", "Polizia di Stato is verified", "called the Questura")
	page, err := s.Store.Agencies(ctx, s.Admin, writ.AgencyFilter{Country: "FR"})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("agencies in FR: %v, %v", page.Items, err)
	}
	admin.get("/admin/users")
	admin.post("/admin/users", url.Values{"name": {"Capitaine Roux"}, "email": {"roux@gendarmerie.example.fr"}, "role": {"agency"},
		"agency_id": {strconv.FormatInt(page.Items[0].ID, 10)}, "password": {"a long enough password"}})
	admin.want(200, "/admin/users", "roux@gendarmerie.example.fr was created", "waits for confirmation")
	u, err := s.Store.UserByEmail(ctx, "roux@gendarmerie.example.fr")
	if err != nil {
		t.Fatal(err)
	}
	roux := s.browser(t)
	roux.get("/signin").post("/signin", url.Values{"email": {u.Email}, "password": {"a long enough password"}})
	roux.want(http.StatusUnauthorized, "/signin", "waits for the provider&#39;s legal team to confirm it")
	admin.post("/admin/users/"+strconv.FormatInt(u.ID, 10)+"/confirmation", url.Values{"confirmation": {"called the registered number"}})
	admin.want(200, "/admin/users", "The account was confirmed")
	admin.post("/admin/users/"+strconv.FormatInt(u.ID, 10)+"/password", url.Values{"password": {"another long password"}})
	admin.want(200, "/admin/users", "The password was set")
	roux.get("/signin").post("/signin", url.Values{"email": {u.Email}, "password": {"another long password"}})
	// A new agency user sets up an authenticator app before anything opens.
	roux.want(200, "/signin/enrol", "Set up your authenticator app")
	roux.post("/signin/enrol", url.Values{"code": {totp(t, roux.key(), s.Clock.Now())}})
	roux.want(200, "/signin/enrol", "Your recovery codes", "Signed in as Capitaine Roux")
	roux.get("/agency").want(200, "/agency")
	admin.get("/admin/customers").want(200, "", "Beispiel AG", "eu-central-1")

	// The filters of the queue, the delayed notices and the calendar are
	// plain GET forms.
	reviewer.get("/queue?state=rejected&instrument=us_search_warrant&country=US&agency=" + strconv.FormatInt(s.AgencyUS.ID, 10) + "&sort=deadline")
	reviewer.want(200, "/queue", "SW-2026-0042")
	if strings.Contains(reviewer.page, "SUB-7") {
		t.Fatal("the queue filtered by state rejected shows a closed demand")
	}
	reviewer.get("/notices?state=all").want(200, "/notices")
	reviewer.get("/calendar").want(200, "/calendar", "Deadline calendar")

	// Signing out ends the session: its cookie opens nothing any more.
	reviewer.post("/signout", url.Values{}).want(200, "/signin", "Signed out")
	reviewer.get("/queue").want(200, "/signin")
}
