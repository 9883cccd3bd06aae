package notify_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"writ"
	"writ/notify"
	"writ/notify/notifytest"
	"writ/store"
	"writ/store/storetest"
)

var ctx = context.Background()

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// both runs a test on SQLite and on PostgreSQL.
func both(t *testing.T, fn func(t *testing.T, open storetest.Opener)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, storetest.SQLite) })
	t.Run("Postgres", func(t *testing.T) { fn(t, storetest.Postgres) })
}

// testLease is the lease of the tests' jobs. The tests' clock stands
// before the real one, which River's rescuer reads: with a lease of
// minutes, it would take every running job from its attempt at once.
const testLease = 100 * 365 * 24 * time.Hour

// worker is a worker on the fixture's store and clock, sending e-mail to
// the test's SMTP server over STARTTLS with AUTH; it stops when the test
// ends.
func worker(t *testing.T, f *storetest.Fixture, smtp *notifytest.SMTPServer, id string) *notify.Worker {
	w := &notify.Worker{Records: f.Store, DB: f.Store.DB(), Postgres: f.Store.Postgres(), Rules: f.Store.Rules(), Now: f.Clock.Now, ID: id,
		Provider: "Example Cloud", Backoff: time.Minute, MaxBackoff: time.Hour, Poll: 20 * time.Millisecond, Lease: testLease,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// The tests' webhook receivers listen on loopback.
		Webhooks: &notify.Webhooks{Now: f.Clock.Now, AllowLoopback: true}}
	if smtp != nil {
		w.Mail = &notify.SMTP{Addr: smtp.Addr, From: "Example Cloud Legal <legal@cloud.example>", User: smtp.User, Password: smtp.Password,
			StartTLS: "always", TLS: &tls.Config{RootCAs: smtp.Roots, ServerName: "127.0.0.1"}}
	}
	t.Cleanup(func() { w.Stop(context.Background()) })
	return w
}

func runDue(t *testing.T, w *notify.Worker) int {
	t.Helper()
	n, err := w.RunDue(ctx)
	check(t, err)
	return n
}

// body returns the plain-text part of a received message and its headers.
func body(t *testing.T, m notifytest.Mail) (mail.Header, string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	check(t, err)
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	check(t, err)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	part, err := mr.NextPart()
	check(t, err)
	text, err := io.ReadAll(part)
	check(t, err)
	return msg.Header, string(text)
}

// to returns the messages sent to addr.
func to(mails []notifytest.Mail, addr string) []notifytest.Mail {
	var out []notifytest.Mail
	for _, m := range mails {
		for _, r := range m.To {
			if r == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

func events(t *testing.T, f *storetest.Fixture, id int64) []writ.Event {
	t.Helper()
	page, err := f.Store.DemandEvents(ctx, f.Auditor, id, "", 500)
	check(t, err)
	return page.Items
}

func count(evs []writ.Event, kind string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// TestNoticeReachesTheCustomerByEmail sends a notice at receipt to a real
// SMTP server on loopback, over STARTTLS with AUTH, and checks that the
// letter says what was asked, by whom, under which instrument, what the
// provider will do and by when the customer may object; that the letter is
// kept as documents of the demand; and that the demand is now visible to
// the customer.
func TestNoticeReachesTheCustomerByEmail(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		srv := notifytest.StartSMTP(t)
		w := worker(t, f, srv, "w1")
		in := storetest.Warrant("joe@mail.example")
		in.Reference, in.Citation = "SW-2026-0042", "Case 26-MJ-0042"
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
		check(t, err)
		runDue(t, w)
		mails := to(srv.Mails(), "joe@mail.example")
		if len(mails) != 1 {
			t.Fatalf("%d messages received, want 1", len(mails))
		}
		m := mails[0]
		if !m.TLS || !m.Authed || m.From != "legal@cloud.example" || len(m.To) != 1 || m.To[0] != "joe@mail.example" {
			t.Fatalf("message envelope: %+v", m)
		}
		h, text := body(t, m)
		for _, want := range []string{
			"Example County Sheriff", // by whom
			"Case 26-MJ-0042",        // the instrument's citation
			"SW-2026-0042",           // their reference
			"joe@mail.example",       // which accounts
			"Content data",           // what was asked
			"We intend to produce the following data of the named accounts: Content data", // what the provider will do
			"tell us by 2026-11-27 14:00 UTC",                                             // by when the customer may object: receipt + 7 days
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the notice letter lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(h.Get("Subject"), "Notice of a government demand") || !strings.HasPrefix(h.Get("Message-Id"), "<writ-job-") {
			t.Errorf("headers: subject %q, message id %q", h.Get("Subject"), h.Get("Message-Id"))
		}
		n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
		check(t, err)
		if n.State != "sent" || n.SentAt == nil || len(n.Deliveries) != 1 || n.Deliveries[0].State != "sent" || n.Deliveries[0].Attempts != 1 {
			t.Fatalf("notice after sending: %+v", n)
		}
		docs, err := f.Store.Documents(ctx, f.CustomerUserConsumer, d.ID)
		check(t, err)
		types := map[string]string{}
		for _, doc := range docs {
			types[doc.Name] = doc.ContentType
		}
		if types["notice-letter-v1.txt"] != writ.LetterText || types["notice-letter-v1.html"] != writ.LetterHTML {
			t.Fatalf("the letter is not kept as documents the customer can read: %v", types)
		}
		var letter []byte
		for _, doc := range docs {
			if doc.Name == "notice-letter-v1.txt" {
				_, letter, err = f.Store.DocumentContent(ctx, f.CustomerUserConsumer, d.ID, doc.SHA256)
				check(t, err)
			}
		}
		if string(letter) != strings.ReplaceAll(text, "\r\n", "\n") {
			t.Errorf("the kept letter differs from the one sent:\n%s\n---\n%s", letter, text)
		}
		if count(events(t, f, d.ID), "notice.sent") != 1 {
			t.Error("no notice.sent event")
		}
		// Nothing is due any more: running again sends nothing.
		runDue(t, w)
		if got := len(to(srv.Mails(), "joe@mail.example")); got != 1 {
			t.Fatalf("%d messages after a second run, want 1", got)
		}
	})
}

// TestDelayedNoticeGoesOutOnceConfirmedAfterTheOrderEnds holds a notice
// under a non-disclosure order, extends the order, and checks that nothing
// goes out before the new end, nor after it by itself; that exactly one
// notice goes out once the legal team confirmed no further extension was
// served — with two workers racing for it — and that only then the
// customer sees the demand.
func TestDelayedNoticeGoesOutOnceConfirmedAfterTheOrderEnds(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		srv := notifytest.StartSMTP(t)
		w1, w2 := worker(t, f, srv, "w1"), worker(t, f, srv, "w2")
		in := storetest.Warrant("joe@mail.example")
		in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-12-01"}
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
		check(t, err)
		runDue(t, w1)
		f.Clock.Advance(5 * 24 * time.Hour) // 2026-11-25
		// The order is extended before it ends.
		_, err = f.Store.UpdateDemand(ctx, f.AgencyUserUS, d.ID, writ.DemandPatch{Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-12-10"}})
		check(t, err)
		f.Clock.Advance(6 * 24 * time.Hour) // 2026-12-01 14:00, past the first end
		runDue(t, w1)
		if got := len(to(srv.Mails(), "joe@mail.example")); got != 0 {
			t.Fatalf("%d notices went out under the extended order", got)
		}
		if _, err := f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID); writ.ErrorCode(err) != writ.ENOTFOUND {
			t.Fatalf("the customer sees a demand under a gag: %v", err)
		}
		f.Clock.Advance(11 * 24 * time.Hour) // 2026-12-12 14:00, past the new end everywhere
		runDue(t, w1)
		if got := len(to(srv.Mails(), "joe@mail.example")); got != 0 {
			t.Fatalf("%d notices went out by themselves when the order ended", got)
		}
		if _, err := f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID); writ.ErrorCode(err) != writ.ENOTFOUND {
			t.Fatalf("the customer sees a demand whose order's end nobody confirmed: %v", err)
		}
		_, err = f.Store.ReviewNondisclosure(ctx, f.Reviewer, d.ID, writ.NondisclosureReview{Checked: "the docket shows no extension"})
		check(t, err)
		var wg sync.WaitGroup
		for _, w := range []*notify.Worker{w1, w2} {
			wg.Go(func() {
				if _, err := w.RunDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		runDue(t, w1)
		runDue(t, w2)
		mails := to(srv.Mails(), "joe@mail.example")
		if len(mails) != 1 {
			t.Fatalf("%d notices went out after the order ended, want exactly 1", len(mails))
		}
		_, text := body(t, mails[0])
		if !strings.Contains(text, "A non-disclosure order (18 U.S.C. 2705(b)) forbade us to tell you until 2026-12-10") {
			t.Errorf("the letter does not say why notice came late:\n%s", text)
		}
		if _, err := f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID); err != nil {
			t.Fatalf("the customer cannot see the demand it was told of: %v", err)
		}
		if n := count(events(t, f, d.ID), "notice.sent"); n != 1 {
			t.Fatalf("%d notice.sent events, want 1", n)
		}
	})
}

// TestProhibitedNoticeIsNeverSent checks that a national-security demand's
// notice is never sent by writ itself, whatever the clock says.
func TestProhibitedNoticeIsNeverSent(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := notifytest.StartSMTP(t)
	w := worker(t, f, srv, "w1")
	in := writ.DemandInput{Instrument: "us_nsl", IssuedBy: "other", DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"},
		Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2709(c)", Until: "2026-12-01"}}
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
	check(t, err)
	f.Clock.Advance(400 * 24 * time.Hour)
	runDue(t, w)
	for _, m := range to(srv.Mails(), "joe@mail.example") {
		if _, text := body(t, m); strings.Contains(text, "Notice of a government demand") || strings.Contains(text, "notice of a government demand") {
			t.Fatalf("a prohibited notice went out:\n%s", text)
		}
	}
	n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if n.State != "prohibited" {
		t.Fatalf("notice state %q, want prohibited", n.State)
	}
}

// TestWebhookRetriesUntilDelivered posts the notice to a customer's
// webhook that verifies the signature and fails three times before it
// accepts: it receives the notice once, every failure is on record, and
// the notice is delivered.
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		secret := "whsec_" + strings.Repeat("k", 40)
		recv := notifytest.StartWebhook(t, secret, f.Clock.Now, 3)
		_, err := f.Store.UpdateNoticeChannels(ctx, f.Admin, f.Consumer.ID, store.NoticeChannels{WebhookURL: recv.URL, WebhookSecret: secret})
		check(t, err)
		w := worker(t, f, nil, "w1") // no SMTP: only the webhook is worked
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
		check(t, err)
		for i := range 6 {
			runDue(t, w)
			f.Clock.Advance(time.Duration(1<<i) * time.Minute)
		}
		evs, failures, rejected := recv.Events()
		if len(rejected) > 0 {
			t.Fatalf("the receiver refused signatures: %v", rejected)
		}
		if failures != 3 || len(evs) != 1 {
			t.Fatalf("the receiver failed %d times and accepted %d events, want 3 and 1", failures, len(evs))
		}
		ev := evs[0].Body
		if ev.Demand.ID != d.ID || ev.Type != "notice" || !strings.Contains(ev.Letter.Text, "We intend to produce the following data of the named accounts: Content data") || ev.ObjectBy == "" {
			t.Fatalf("the event: %+v", ev)
		}
		n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
		check(t, err)
		var hook writ.NoticeDelivery
		for _, dl := range n.Deliveries {
			if dl.Channel == "webhook" {
				hook = dl
			}
		}
		if n.State != "delivered" || hook.State != "delivered" || hook.Attempts != 4 || hook.MessageID != evs[0].ID {
			t.Fatalf("notice %s, webhook delivery %+v", n.State, hook)
		}
		if n.GivenAt == nil || n.GivenVia != "webhook" {
			t.Fatalf("the webhook's 2xx did not give the notice: %+v", n)
		}
		hookFailures := 0
		for _, e := range events(t, f, d.ID) {
			if e.Kind != "notice.delivery_failed" {
				continue
			}
			var data map[string]any
			check(t, json.Unmarshal(e.Data, &data))
			switch data["channel"] {
			case "webhook":
				hookFailures++
				if !strings.Contains(fmt.Sprint(data["error"]), "503") || data["final"] != false {
					t.Fatalf("a failure without its error: %s", e.Data)
				}
			case "email":
				// Without SMTP, the e-mail is tried and its failure recorded,
				// so the legal team sees why it did not go.
				if data["error"] != "no SMTP server configured" || data["final"] != false {
					t.Fatalf("an e-mail failure without its cause: %s", e.Data)
				}
			}
		}
		if hookFailures != 3 {
			t.Fatalf("%d webhook failures recorded, want 3", hookFailures)
		}
		// The e-mail job still waits for a server with SMTP: it is not lost.
		jobs, err := f.Store.DemandJobs(ctx, f.Reviewer, d.ID)
		check(t, err)
		waiting := false
		for _, j := range jobs {
			waiting = waiting || (j.Kind == notify.JobNoticeEmail && j.State == "available")
		}
		if !waiting {
			t.Fatalf("the e-mail notice job is not waiting: %+v", jobs)
		}
	})
}

// TestDeliveryFailsAfterItsTries checks that a notice whose every try fails
// ends failed with the last error, visible to the legal team.
func TestDeliveryFailsAfterItsTries(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := notifytest.StartSMTP(t)
	srv.FailNext(100)
	w := worker(t, f, srv, "w1")
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	check(t, err)
	for range 12 {
		runDue(t, w)
		f.Clock.Advance(2 * time.Hour)
	}
	n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if n.State != "failed" || !strings.Contains(n.LastError, "451") || n.Deliveries[0].Attempts != 8 {
		t.Fatalf("notice after its tries: %+v", n)
	}
}

// TestEmergencyIsAnnouncedAtOnce sends the alert of an emergency the
// moment it arrives to the legal team (no on-call address is set here),
// naming the agency's registered number to call back and the response
// target; nothing of it is kept as a document any outside party sees.
func TestEmergencyIsAnnouncedAtOnce(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := notifytest.StartSMTP(t)
	w := worker(t, f, srv, "w1")
	in := storetest.Warrant("joe@mail.example")
	in.Instrument, in.IssuedBy, in.DataCategories = "us_emergency", "other", []string{"subscriber"}
	in.Emergency = &writ.Emergency{Justification: "a child is missing"}
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
	check(t, err)
	runDue(t, w)
	for _, addr := range []string{"rhea@provider.example", "arlo@provider.example", "ada@provider.example"} {
		mails := to(srv.Mails(), addr)
		var alert string
		for _, m := range mails {
			if h, text := body(t, m); strings.HasPrefix(h.Get("Subject"), fmt.Sprintf("EMERGENCY: demand %d", d.ID)) {
				alert = text
			}
		}
		for _, want := range []string{"a child is missing", "+1 555 0100", "2026-11-20 18:00 UTC", "Example County Sheriff"} {
			if !strings.Contains(alert, want) {
				t.Fatalf("the alert to %s lacks %q:\n%s", addr, want, alert)
			}
		}
	}
	if n := count(events(t, f, d.ID), "emergency.announced"); n != 1 {
		t.Fatalf("%d emergency.announced events, want 1", n)
	}
	docs, err := f.Store.Documents(ctx, f.AgencyUserUS, d.ID)
	check(t, err)
	if len(docs) != 0 {
		t.Fatalf("the agency sees documents %v", docs)
	}
}
