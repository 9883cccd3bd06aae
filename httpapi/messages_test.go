package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"writ"
	"writ/store/storetest"
)

// messagePage is the answer of a thread's listing.
type messagePage struct {
	Items []writ.Message `json:"items"`
}

// The legal team answers the agency with an attachment the agency may
// download and the customer may not; the customer writes and uploads on
// its own thread, which the agency cannot read; a retry with the same
// Idempotency-Key posts nothing twice; the customer's thread is closed
// before its notice is due and under an order.
func TestMessagesOverTheAPI(t *testing.T) {
	f := newAPIFixture(t)
	d := f.dUS
	path := func(id int64, thread string) string { return fmt.Sprintf("/v1/demands/%d/messages/%s", id, thread) }
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.7 the legal team's answer"))
	body := []byte(`{"body":"Here is our answer.","attachments":[{"name":"answer.pdf","content":"` + pdf + `"}]}`)
	status, out := f.do(t, "reviewer", "POST", path(d.ID, "agency"), body, "Idempotency-Key", "answer-1")
	if status != http.StatusCreated {
		t.Fatalf("post: %d %s", status, out)
	}
	var m writ.Message
	if err := json.Unmarshal(out, &m); err != nil || len(m.Attachments) != 1 || m.Attachments[0].Audience != writ.AudienceAgency {
		t.Fatalf("posted %s (%v)", out, err)
	}
	status, again := f.do(t, "reviewer", "POST", path(d.ID, "agency"), body, "Idempotency-Key", "answer-1")
	if status != http.StatusCreated || string(again) != string(out) {
		t.Fatalf("retry: %d %s", status, again)
	}
	var page messagePage
	status, out = f.do(t, "agencyUS", "GET", path(d.ID, "agency"), nil)
	if err := json.Unmarshal(out, &page); status != http.StatusOK || err != nil || len(page.Items) != 1 || page.Items[0].Body != "Here is our answer." {
		t.Fatalf("the agency reads %d %s", status, out)
	}
	doc := fmt.Sprintf("/v1/demands/%d/documents/%s", d.ID, m.Attachments[0].SHA256)
	for caller, want := range map[string]int{"agencyUS": 200, "customerEnt": 404, "agencyDE": 404, "customerCons": 404} {
		if status, out := f.do(t, caller, "GET", doc, nil); status != want {
			t.Fatalf("%s downloads the attachment: %d, want %d: %s", caller, status, want, out)
		}
	}
	// The customer's own thread and upload.
	if status, out := f.do(t, "customerEnt", "POST", path(d.ID, "customer"), []byte(`{"body":"We object."}`)); status != http.StatusCreated {
		t.Fatalf("customer posts: %d %s", status, out)
	}
	status, out = f.do(t, "customerEnt", "POST", fmt.Sprintf("/v1/demands/%d/documents?name=objection.pdf", d.ID), []byte("%PDF-1.7 objection"))
	var upload writ.Document
	if err := json.Unmarshal(out, &upload); status != http.StatusCreated || err != nil || upload.Audience != writ.AudienceCustomer {
		t.Fatalf("customer uploads: %d %s", status, out)
	}
	if status, _ := f.do(t, "agencyUS", "GET", fmt.Sprintf("/v1/demands/%d/documents/%s", d.ID, upload.SHA256), nil); status != http.StatusNotFound {
		t.Fatalf("the agency downloads the customer's upload: %d", status)
	}
	for caller, want := range map[string]int{"agencyUS": 403, "agencyDE": 404, "customerCons": 404, "reviewer": 200} {
		if status, out := f.do(t, caller, "GET", path(d.ID, "customer"), nil); status != want {
			t.Fatalf("%s reads the customer thread: %d, want %d: %s", caller, status, want, out)
		}
	}
	if status, out := f.do(t, "customerEnt", "POST", fmt.Sprintf("/v1/demands/%d/documents?name=x.pdf&audience=all", d.ID), []byte("%PDF-1.7 x")); status != http.StatusBadRequest {
		t.Fatalf("customer shares with the agency: %d %s", status, out)
	}
	// Refusals name their field.
	for _, c := range []struct{ body, field string }{
		{`{"body":""}`, "body"},
		{`{"body":"x","attachments":[{"name":"a.html","content":"` + base64.StdEncoding.EncodeToString([]byte("<html>")) + `"}]}`, "attachments[0]"},
	} {
		status, out := f.do(t, "reviewer", "POST", path(d.ID, "agency"), []byte(c.body))
		var e errorBody
		if err := json.Unmarshal(out, &e); status != http.StatusBadRequest || err != nil || e.Error.Field != c.field {
			t.Fatalf("%s: %d %s, want 400 naming %s", c.body, status, out, c.field)
		}
	}
	if status, _ := f.do(t, "reviewer", "POST", path(d.ID, "public"), []byte(`{"body":"x"}`)); status != http.StatusBadRequest {
		t.Fatalf("an unknown thread: %d", status)
	}
	testCustomerThreadClosedBeforeNotice(t, f)
}

// testCustomerThreadClosedBeforeNotice: before the customer's notice is
// due, and under an order, the customer finds no demand and the legal team
// may not write to it.
func testCustomerThreadClosedBeforeNotice(t *testing.T, f *apiFixture) {
	early, _ := f.submitUS(t)
	gagged := storetest.Warrant("ben@beispiel.example")
	gagged.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-05-20"}
	g, _, err := f.Store.CreateDemand(context.Background(), f.AgencyUserUS, gagged, "")
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(-time.Second)
	defer f.Clock.Advance(time.Second)
	for _, id := range []int64{early.ID, g.ID} {
		path := fmt.Sprintf("/v1/demands/%d/messages/customer", id)
		for _, c := range []struct {
			caller, method string
			want           int
		}{{"customerEnt", "GET", 404}, {"customerEnt", "POST", 404}, {"reviewer", "POST", 403}} {
			if status, out := f.do(t, c.caller, c.method, path, []byte(`{"body":"hello"}`)); status != c.want {
				t.Fatalf("%s %s on demand %d: %d, want %d: %s", c.caller, c.method, id, status, c.want, out)
			}
		}
		if status, _ := f.do(t, "customerEnt", "POST", fmt.Sprintf("/v1/demands/%d/documents?name=x.pdf", id), []byte("%PDF-1.7 early")); status != http.StatusNotFound {
			t.Fatalf("the customer uploads to demand %d before notice: %d", id, status)
		}
	}
}
