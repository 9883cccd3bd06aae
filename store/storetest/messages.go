package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/notify"
)

// post posts a message and fails the test if it is refused.
func post(t *testing.T, f *Fixture, actor writ.Actor, id int64, thread, body string, files ...string) writ.Message {
	t.Helper()
	in := writ.MessageInput{Body: body}
	for _, name := range files {
		in.Attachments = append(in.Attachments, writ.DocumentUpload{Name: name, Content: []byte("%PDF-1.7 " + name)})
	}
	m, err := f.Store.PostMessage(ctx, actor, id, thread, in)
	check(t, err)
	return m
}

// bodies are the texts of a thread as actor reads it.
func bodies(t *testing.T, f *Fixture, actor writ.Actor, id int64, thread string) []string {
	t.Helper()
	msgs, err := f.Store.Messages(ctx, actor, id, thread)
	check(t, err)
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

// testMessages: the legal team writes with the agency and with the
// customer on separate threads; each side reads and writes its own only,
// attachments keep to the thread's audience, the text is sealed at rest
// and absent from the log, and each message arms one pointer e-mail.
//
// Long because: it walks one demand through every side and refusal in
// turn, each step depending on the messages posted before it.
func testMessages(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	asked := post(t, f, f.AgencyUserUS, d.ID, writ.ThreadAgency, "When will you answer?", "cover-letter.pdf")
	if asked.Side != writ.SideAgency || asked.By != f.AgencyUserUS.Name || len(asked.Attachments) != 1 || asked.Attachments[0].Audience != writ.AudienceAgency {
		t.Fatalf("agency's message: %+v", asked)
	}
	answer := post(t, f, f.Reviewer, d.ID, writ.ThreadAgency, "Within the week; see the letter.", "answer.pdf")
	post(t, f, f.CustomerUserConsumer, d.ID, writ.ThreadCustomer, "We object to this warrant.")
	told := post(t, f, f.Reviewer, d.ID, writ.ThreadCustomer, "Please send your grounds.", "for-customer.pdf")

	want := []string{"When will you answer?", "Within the week; see the letter."}
	for _, a := range []writ.Actor{f.AgencyUserUS, f.Reviewer, f.Auditor} {
		if got := bodies(t, f, a, d.ID, writ.ThreadAgency); !slices.Equal(got, want) {
			t.Fatalf("%s reads the agency thread as %q", a.Name, got)
		}
	}
	want = []string{"We object to this warrant.", "Please send your grounds."}
	for _, a := range []writ.Actor{f.CustomerUserConsumer, f.Approver, f.Auditor} {
		if got := bodies(t, f, a, d.ID, writ.ThreadCustomer); !slices.Equal(got, want) {
			t.Fatalf("%s reads the customer thread as %q", a.Name, got)
		}
	}
	// Each side keeps to its own thread; another agency and another
	// customer do not learn the demand exists; auditors only read.
	for _, c := range []struct {
		actor  writ.Actor
		thread string
		code   string
	}{
		{f.AgencyUserUS, writ.ThreadCustomer, writ.EFORBIDDEN},
		{f.CustomerUserConsumer, writ.ThreadAgency, writ.EFORBIDDEN},
		{f.AgencyUserDE, writ.ThreadAgency, writ.ENOTFOUND},
		{f.CustomerUserEnterprise, writ.ThreadCustomer, writ.ENOTFOUND},
	} {
		_, err := f.Store.Messages(ctx, c.actor, d.ID, c.thread)
		wantCode(t, err, c.code)
		_, err = f.Store.PostMessage(ctx, c.actor, d.ID, c.thread, writ.MessageInput{Body: "hello"})
		wantCode(t, err, c.code)
	}
	_, err := f.Store.PostMessage(ctx, f.Auditor, d.ID, writ.ThreadAgency, writ.MessageInput{Body: "hello"})
	wantCode(t, err, writ.EFORBIDDEN)
	// Attachments are documents of the thread's audience.
	for _, c := range []struct {
		actor   writ.Actor
		doc     writ.Document
		allowed bool
	}{
		{f.AgencyUserUS, answer.Attachments[0], true},
		{f.CustomerUserConsumer, answer.Attachments[0], false},
		{f.CustomerUserConsumer, told.Attachments[0], true},
		{f.AgencyUserUS, told.Attachments[0], false},
		{f.AgencyUserDE, answer.Attachments[0], false},
	} {
		_, content, err := f.Store.DocumentContent(ctx, c.actor, d.ID, c.doc.SHA256)
		if c.allowed && (err != nil || string(content) != "%PDF-1.7 "+c.doc.Name) {
			t.Fatalf("%s cannot open %s: %v", c.actor.Name, c.doc.Name, err)
		}
		if !c.allowed {
			wantCode(t, err, writ.ENOTFOUND)
		}
	}
	docs, err := f.Store.Documents(ctx, f.AgencyUserUS, d.ID)
	check(t, err)
	if got := names(docs); !slices.Equal(got, []string{"answer.pdf", "cover-letter.pdf"}) {
		t.Fatalf("agency's documents %v", got)
	}
	testMessageValidation(t, f, d.ID)
	testMessagesLeaveNoText(t, f, d.ID, 4)
}

// testMessageValidation: every refusal of a message names its field.
func testMessageValidation(t *testing.T, f *Fixture, id int64) {
	for _, c := range []struct {
		thread string
		in     writ.MessageInput
		field  string
	}{
		{writ.ThreadAgency, writ.MessageInput{Body: "  "}, "body"},
		{writ.ThreadAgency, writ.MessageInput{Body: strings.Repeat("x", writ.MaxMessageLength+1)}, "body"},
		{"public", writ.MessageInput{Body: "hello"}, "thread"},
		{writ.ThreadAgency, writ.MessageInput{Body: "hello", Attachments: []writ.DocumentUpload{{Name: "x.html", Content: []byte("<html>")}}}, "attachments[0]"},
		{writ.ThreadAgency, writ.MessageInput{Body: "hello", Attachments: []writ.DocumentUpload{{Name: "a.pdf", Content: []byte("%PDF-1.7 a")}, {Name: "b.pdf", Content: []byte("%PDF-1.7 a")}}}, "attachments[1]"},
	} {
		_, err := f.Store.PostMessage(ctx, f.Reviewer, id, c.thread, c.in)
		wantCode(t, err, writ.EINVALID, c.field)
	}
}

// testMessagesLeaveNoText: a message is an event without its text, its
// text is sealed in the database, and each message armed one pointer
// e-mail whose job carries nothing of it.
func testMessagesLeaveNoText(t *testing.T, f *Fixture, id int64, n int) {
	page, err := f.Store.DemandEvents(ctx, f.Auditor, id, "", 200)
	check(t, err)
	posted := 0
	for _, e := range page.Items {
		if strings.Contains(string(e.Data), "answer?") || strings.Contains(string(e.Data), "grounds.") {
			t.Fatalf("event %s holds a message's text: %s", e.Kind, e.Data)
		}
		if e.Kind == "message.posted" {
			posted++
		}
	}
	if posted != n {
		t.Fatalf("%d message.posted events, want %d", posted, n)
	}
	rows, err := f.Store.DB().QueryContext(ctx, `SELECT body FROM demand_messages WHERE demand_id = $1`, id)
	check(t, err)
	defer rows.Close()
	for rows.Next() {
		var body string
		check(t, rows.Scan(&body))
		if strings.Contains(body, "answer") || strings.Contains(body, "object") {
			t.Fatalf("a message is stored in the clear: %q", body)
		}
	}
	check(t, rows.Err())
	jobs := claimJobs(t, f, notify.JobMessagePointer)
	if len(jobs) != n {
		t.Fatalf("%d pointer jobs, want %d", len(jobs), n)
	}
	for _, j := range jobs {
		if strings.Contains(string(j.EncodedArgs), "answer") {
			t.Fatalf("a pointer job carries the message: %s", j.EncodedArgs)
		}
	}
}

// testMessagesWaitForTheNotice: the customer's thread opens when the
// customer may see the demand: not before its notice is due, never while
// an order keeps the demand from it. The agency's thread is open all the
// same.
func testMessagesWaitForTheNotice(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	f.Clock.Advance(-time.Second)
	_, err := f.Store.PostMessage(ctx, f.CustomerUserConsumer, d.ID, writ.ThreadCustomer, writ.MessageInput{Body: "hello"})
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Messages(ctx, f.CustomerUserConsumer, d.ID, writ.ThreadCustomer)
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.PostMessage(ctx, f.Reviewer, d.ID, writ.ThreadCustomer, writ.MessageInput{Body: "hello"})
	wantCode(t, err, writ.EFORBIDDEN)
	f.Clock.Advance(time.Second)
	post(t, f, f.Reviewer, d.ID, writ.ThreadCustomer, "Your notice is due now.")

	gagged := Warrant("ben@beispiel.example")
	gagged.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-05-20"}
	g := submit(t, f, f.AgencyUserUS, gagged)
	_, err = f.Store.PostMessage(ctx, f.CustomerUserEnterprise, g.ID, writ.ThreadCustomer, writ.MessageInput{Body: "hello"})
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.PostMessage(ctx, f.Reviewer, g.ID, writ.ThreadCustomer, writ.MessageInput{Body: "hello"})
	wantCode(t, err, writ.EFORBIDDEN)
	post(t, f, f.Reviewer, g.ID, writ.ThreadAgency, "We have your order.")
	if msgs, err := f.Store.Messages(ctx, f.Reviewer, g.ID, writ.ThreadCustomer); err != nil || len(msgs) != 0 {
		t.Fatalf("the gagged demand's customer thread: %v, %v", msgs, err)
	}
}

// testCustomerUploads: a customer uploads its own documents in reply to a
// demand it may see, for the legal team only; the agency never sees them.
func testCustomerUploads(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	doc, err := f.Store.AddDocumentTo(ctx, f.CustomerUserConsumer, d.ID, "", "objection.pdf", []byte("%PDF-1.7 objection"))
	check(t, err)
	if doc.Audience != writ.AudienceCustomer || doc.UploadedBy != f.CustomerUserConsumer.Name {
		t.Fatalf("customer's upload: %+v", doc)
	}
	for _, c := range []struct {
		actor writ.Actor
		want  []string
	}{{f.Reviewer, []string{"objection.pdf"}}, {f.CustomerUserConsumer, []string{"objection.pdf"}}, {f.AgencyUserUS, nil}} {
		docs, err := f.Store.Documents(ctx, c.actor, d.ID)
		check(t, err)
		if got := names(docs); !slices.Equal(got, c.want) {
			t.Fatalf("%s lists %v, want %v", c.actor.Name, got, c.want)
		}
	}
	_, _, err = f.Store.DocumentContent(ctx, f.AgencyUserUS, d.ID, doc.SHA256)
	wantCode(t, err, writ.ENOTFOUND)
	for _, audience := range []string{writ.AudienceAll, writ.AudienceAgency, writ.AudienceLegal} {
		_, err = f.Store.AddDocumentTo(ctx, f.CustomerUserConsumer, d.ID, audience, "x.pdf", []byte("%PDF-1.7 x"))
		wantCode(t, err, writ.EINVALID, "audience")
	}
	_, err = f.Store.AddDocumentTo(ctx, f.CustomerUserEnterprise, d.ID, "", "x.pdf", []byte("%PDF-1.7 x"))
	wantCode(t, err, writ.ENOTFOUND)
	early := submit(t, f, f.AgencyUserUS, Warrant("jane@mail.example"))
	f.Clock.Advance(-time.Second)
	_, err = f.Store.AddDocumentTo(ctx, f.CustomerUserConsumer, early.ID, "", "x.pdf", []byte("%PDF-1.7 x"))
	wantCode(t, err, writ.ENOTFOUND)
	page, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 200)
	check(t, err)
	if !slices.ContainsFunc(page.Items, func(e writ.Event) bool {
		return e.Kind == "document.added" && e.Actor == f.CustomerUserConsumer.Name && strings.Contains(string(e.Data), doc.SHA256)
	}) {
		t.Fatal("the customer's upload is not an event")
	}
}
