//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"writ/apiclient"
	"writ/notify/notifytest"
	"writ/store/storetest"
)

// smtpFlags are the serve flags that send writ's e-mail to srv over
// STARTTLS with AUTH, trusting srv's own certificate, and poll the job
// queue often enough for a test.
func smtpFlags(t *testing.T, srv *notifytest.SMTPServer) []string {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(ca, srv.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--smtp-addr", srv.Addr, "--smtp-from", "Legal <legal@provider.example>", "--smtp-user", srv.User,
		"--smtp-password", srv.Password, "--smtp-starttls", "always", "--smtp-ca", ca, "--job-poll", "50ms", "--provider-name", "Example Cloud"}
}

// gaggedWarrant is a warrant for the demo consumer account under a
// non-disclosure order that ends tomorrow.
func gaggedWarrant(reference string) []byte {
	b, _ := json.Marshal(map[string]any{
		"instrument": "us_search_warrant", "issued_by": "judge", "data_categories": []string{"content"},
		"accounts": []string{"jdoe1987@mail.example"}, "reference": reference,
		"nondisclosure": map[string]string{"basis": "18 U.S.C. 2705(b)", "until": time.Now().UTC().Add(24 * time.Hour).Format(time.DateOnly)},
	})
	return b
}

const customerAddress = "jdoe1987@mail.example"

// noticesTo counts the notices the SMTP server received for the demo
// consumer (reminders to the legal team go to other addresses).
func noticesTo(srv *notifytest.SMTPServer) []notifytest.Mail {
	var out []notifytest.Mail
	for _, m := range srv.Mails() {
		if len(m.To) == 1 && m.To[0] == customerAddress && bytes.Contains(m.Data, []byte("Notice of a government demand")) {
			out = append(out, m)
		}
	}
	return out
}

// submitGagged submits gaggedWarrant(reference) and returns the demand's
// id.
func submitGagged(t *testing.T, c *client, base, token, reference string) int64 {
	t.Helper()
	r, err := read(c.raw(base, token).CreateDemandWithBody(context.Background(), nil, jsonBody, bytes.NewReader(gaggedWarrant(reference))))
	if err != nil || r.status != http.StatusCreated {
		t.Fatalf("submit: %v %d %s", err, r.status, short(r.body))
	}
	var d demand
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// confirmEnded records, as the demo reviewer, that the order delaying
// demand id's notice ended unextended.
func confirmEnded(t *testing.T, c *client, base, token string, id int64) {
	t.Helper()
	var r reply
	var err error
	// A 503 asks the client to try again (two servers' transactions on the
	// same notice may meet), as the API's document says; a client does.
	for attempt := 0; attempt < 5; attempt++ {
		r, err = read(c.raw(base, token).ReviewNondisclosureWithBody(context.Background(), id, jsonBody, strings.NewReader(`{"checked":"the court's docket shows no extension"}`)))
		if err != nil || r.status != http.StatusServiceUnavailable {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("confirming the order's end: %v %d %s", err, r.status, short(r.body))
	}
}

// waitFor polls cond every 50ms for up to 15s and reports whether it held.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestDelayedNoticeOverSMTPOnceAcrossACrash runs the real binary, on
// SQLite and on PostgreSQL, against a real SMTP server on loopback: a notice held back by an order that ends
// tomorrow does not go out; the server is killed and restarted with its
// clock moved past the order's end (--clock-offset), and still nothing
// goes out, since an order may be extended without writ hearing of it;
// once a reviewer confirms the order ended, the notice arrives exactly once
// with what the letter promises, and a further kill and restart does not
// send it again.
func TestDelayedNoticeOverSMTPOnceAcrossACrash(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, db, dir string) {
		srv := notifytest.StartSMTP(t)
		logKey := filepath.Join(dir, "log.key")
		tokens := loadDemo(t, db)
		c := newClient(t)
		flags := smtpFlags(t, srv)
		s := startServer(t, db, logKey, flags...)
		id := submitGagged(t, c, s.url, tokens["agency"], "E2E-NDO-1")
		time.Sleep(500 * time.Millisecond)
		if n := len(noticesTo(srv)); n != 0 {
			t.Fatalf("%d notices went out under the order", n)
		}
		s.kill(t)

		// Three days on, the order's last day has ended everywhere.
		later := append(append([]string{}, flags...), "--clock-offset", "72h")
		s = startServer(t, db, logKey, later...)
		time.Sleep(time.Second)
		if n := len(noticesTo(srv)); n != 0 {
			t.Fatalf("%d notices went out when the order's date passed, before anyone checked it was not extended", n)
		}
		r, err := read(c.raw(s.url, tokens["reviewer"]).ListNotices(context.Background(), &apiclient.ListNoticesParams{State: ptr(apiclient.ListNoticesParamsStateReviewDue)}))
		if err != nil || r.status != 200 || !bytes.Contains(r.body, []byte(fmt.Sprintf(`"demand_id":%d`, id))) {
			t.Fatalf("the ended order is not listed for review: %v %d %s", err, r.status, short(r.body))
		}
		confirmEnded(t, c, s.url, tokens["reviewer"], id)
		waitFor(func() bool { return len(noticesTo(srv)) > 0 })
		got := noticesTo(srv)
		if len(got) != 1 {
			t.Fatalf("%d notices after the order ended, want 1", len(got))
		}
		m := got[0]
		if !m.TLS || !m.Authed {
			t.Fatalf("the notice went without STARTTLS or AUTH: %+v", m)
		}
		text := strings.ReplaceAll(string(m.Data), "=\r\n", "")
		for _, want := range []string{"E2E-NDO-1", customerAddress, "Content data", "A non-disclosure order (18 U.S.C. 2705(b)) forbade us",
			"We intend to produce the following data of the named accounts: Content data", "If you object, tell us by", "Example Cloud"} {
			if !strings.Contains(text, want) {
				t.Errorf("the notice lacks %q:\n%s", want, text)
			}
		}
		// The worker records the send just after the mail server accepted
		// it; a kill before that is the crash-mid-send test's case.
		sent := func() bool {
			r, err := c.do("GET", s.url+"/v1/notices?state=sent", tokens["reviewer"], nil, "")
			return err == nil && r.status == 200 && bytes.Contains(r.body, []byte(`"state":"sent"`))
		}
		if !waitFor(sent) {
			t.Fatal("the notice the mail server accepted is not recorded as sent")
		}
		s.kill(t)
		s = startServer(t, db, logKey, later...)
		time.Sleep(time.Second)
		if n := len(noticesTo(srv)); n != 1 {
			t.Fatalf("%d notices after another restart, want still 1", n)
		}
		// The legal team sees it sent.
		r, err = read(c.raw(s.url, tokens["reviewer"]).ListNotices(context.Background(), &apiclient.ListNoticesParams{State: ptr(apiclient.ListNoticesParamsStateSent)}))
		if err != nil || r.status != 200 || !bytes.Contains(r.body, []byte(`"state":"sent"`)) {
			t.Fatalf("notices dashboard: %v %d %s", err, r.status, short(r.body))
		}
	})
}

// TestDelayedNoticeOnceWithTwoServersOnPostgres restarts two servers on
// one PostgreSQL database with their clocks past the order's end; a
// reviewer confirms each order's end on a different server, and the two
// servers race for the notices: each goes out once.
func TestDelayedNoticeOnceWithTwoServersOnPostgres(t *testing.T) {
	t.Parallel()
	srv := notifytest.StartSMTP(t)
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	c := newClient(t)
	logKey := filepath.Join(t.TempDir(), "log.key")
	flags := smtpFlags(t, srv)
	a, b := startServer(t, db, logKey, flags...), startServer(t, db, logKey, flags...)
	first := submitGagged(t, c, a.url, tokens["agency"], "E2E-NDO-2")
	second := submitGagged(t, c, b.url, tokens["agency"], "E2E-NDO-3")
	a.kill(t)
	b.kill(t)
	later := append(append([]string{}, flags...), "--clock-offset", "72h")
	a, b = startServer(t, db, logKey, later...), startServer(t, db, logKey, later...)
	time.Sleep(500 * time.Millisecond)
	if n := len(noticesTo(srv)); n != 0 {
		t.Fatalf("%d notices went out before anyone confirmed the orders ended", n)
	}
	confirmEnded(t, c, a.url, tokens["reviewer"], second)
	confirmEnded(t, c, b.url, tokens["reviewer"], first)
	waitFor(func() bool { return len(noticesTo(srv)) >= 2 })
	time.Sleep(500 * time.Millisecond) // time for a duplicate to show
	got := noticesTo(srv)
	refs := map[string]int{}
	for _, m := range got {
		for _, ref := range []string{"E2E-NDO-2", "E2E-NDO-3"} {
			if bytes.Contains(m.Data, []byte(ref)) {
				refs[ref]++
			}
		}
	}
	if len(got) != 2 || refs["E2E-NDO-2"] != 1 || refs["E2E-NDO-3"] != 1 {
		t.Fatalf("%d notices (%v), want each demand's notice exactly once", len(got), refs)
	}
}

// job is the part of a demand's job the tests read.
type job struct {
	Kind     string `json:"kind"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
}

// noticeJob reads the job of demand id's e-mail notice from the job list.
func noticeJob(t *testing.T, c *client, base, token string, id int64) job {
	t.Helper()
	r, err := read(c.raw(base, token).ListJobs(context.Background(), id))
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("jobs of demand %d: %v %d %s", id, err, r.status, short(r.body))
	}
	var jobs struct {
		Items []job `json:"items"`
	}
	if err := json.Unmarshal(r.body, &jobs); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(jobs.Items, func(j job) bool { return j.Kind == "notice.email" })
	if i < 0 {
		t.Fatalf("demand %d has no notice job: %+v", id, jobs.Items)
	}
	return jobs.Items[i]
}

// TestSlowMailTwoServersEachNoticeOnce has two servers on one PostgreSQL
// database work a backlog of notices through a mail server that takes a
// second over each message, with a job timeout of three seconds: each
// server takes only the jobs it can start at once, and checks that it
// still holds a job right before it sends, so every notice arrives exactly
// once, each on its first try, and neither server fails. (Writ's former
// queue claimed ten jobs at a time and sent them one after another
// without looking at its lease again: with a five-second lease a second
// server took the last of them over and both sent them.)
func TestSlowMailTwoServersEachNoticeOnce(t *testing.T) {
	t.Parallel()
	const notices = 36
	srv := notifytest.StartSMTP(t)
	srv.Delay(time.Second)
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	c := newClient(t)
	logKey := filepath.Join(t.TempDir(), "log.key")
	flags := append(smtpFlags(t, srv), "--job-timeout", "3s", "--job-lease", "15s")
	// The backlog waits in the queue of a server that works no jobs.
	intake := startServer(t, db, logKey, append(slices.Clone(flags), "--jobs=false")...)
	ids := map[string]int64{}
	for i := range notices {
		ref := fmt.Sprintf("E2E-SLOW-%02d", i)
		res, err := c.submit(intake.url, tokens["agency"], "", ref)
		if err != nil || res.status != http.StatusCreated {
			t.Fatalf("submit %s: %v %d %s", ref, err, res.status, short(res.body))
		}
		ids[ref] = res.demand.ID
	}
	a, b := startServer(t, db, logKey, flags...), startServer(t, db, logKey, flags...)
	deadline := time.Now().Add(90 * time.Second)
	for len(noticesTo(srv)) < notices && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(4 * time.Second) // longer than a job's timeout: time for a duplicate to show
	got := map[string]int{}
	for _, m := range noticesTo(srv) {
		for ref := range ids {
			if bytes.Contains(m.Data, []byte(ref)) {
				got[ref]++
			}
		}
	}
	for ref := range ids {
		if got[ref] != 1 {
			t.Errorf("the notice of %s arrived %d times, want exactly once", ref, got[ref])
		}
	}
	if n := len(noticesTo(srv)); n != notices {
		t.Errorf("%d notices arrived, want %d", n, notices)
	}
	for _, s := range []*server{intake, a, b} {
		select {
		case <-s.exited:
			t.Fatalf("a server exited: %v", s.err)
		default:
		}
	}
	// Each is on record as given, once, by one attempt.
	for ref, id := range ids {
		n := noticeOf(t, c, a.url, tokens["reviewer"], id)
		if n.State != "sent" || n.GivenAt == nil || n.GivenVia != "email" {
			t.Errorf("%s: notice %+v", ref, n)
		}
		if j := noticeJob(t, c, b.url, tokens["reviewer"], id); j.State != "completed" || j.Attempts != 1 {
			t.Errorf("%s: the notice's job %+v, want it completed on the first try", ref, j)
		}
	}
}

// TestCrashMidSendSendsAgainUnderTheSameMessageID kills the server that is
// sending a notice after the mail server has read it and before it has
// answered, so the notice went out and its record did not. River's rescuer
// gives the job to another attempt once its lease has run out, the
// attempt of another server on the same database, which sends it again
// under the same Message-ID, so the customer can drop the copy; the notice
// is then given once. Most of the test is waiting for the lease and the
// rescuer, so it runs beside the others.
func TestCrashMidSendSendsAgainUnderTheSameMessageID(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, db, dir string) {
		srv := notifytest.StartSMTP(t)
		srv.Delay(2 * time.Second)
		logKey := filepath.Join(dir, "log.key")
		tokens := loadDemo(t, db)
		c := newClient(t)
		flags := append(smtpFlags(t, srv), "--job-timeout", "5s", "--job-lease", "15s", "--job-backoff", "1s")
		a := startServer(t, db, logKey, flags...)
		res, err := c.submit(a.url, tokens["agency"], "", "E2E-CRASH-1")
		if err != nil || res.status != http.StatusCreated {
			t.Fatalf("submit: %v %+v", err, res)
		}
		if !waitFor(func() bool { return srv.Read() == 1 }) {
			t.Fatal("the notice was not sent")
		}
		// Killed at once: the mail server holds the message for two
		// seconds before it answers.
		a.kill(t)
		b := startServer(t, db, logKey, flags...)
		deadline := time.Now().Add(150 * time.Second)
		for len(noticesTo(srv)) < 2 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		got := noticesTo(srv)
		if len(got) != 2 {
			t.Fatalf("%d copies of the notice arrived, want the crashed send's and the one after", len(got))
		}
		ids := []string{}
		for _, m := range got {
			msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, msg.Header.Get("Message-Id"))
		}
		if ids[0] == "" || ids[0] != ids[1] {
			t.Fatalf("the copies have Message-IDs %q, want the same", ids)
		}
		var n notice
		waitFor(func() bool { n = noticeOf(t, c, b.url, tokens["reviewer"], res.demand.ID); return n.GivenAt != nil })
		if n.State != "sent" || n.GivenAt == nil {
			t.Fatalf("the notice after the second send: %+v", n)
		}
		if j := noticeJob(t, c, b.url, tokens["reviewer"], res.demand.ID); j.State != "completed" || j.Attempts != 2 {
			t.Fatalf("the notice's job %+v, want it completed on its second try", j)
		}
	})
}
