//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"writ/notify/notifytest"
)

// notice is the part of a demand's notice the tests read.
type notice struct {
	State    string     `json:"state"`
	GivenAt  *time.Time `json:"given_at"`
	GivenVia string     `json:"given_via"`
}

// noticeOf reads demand id's notice as the reviewer.
func noticeOf(t *testing.T, c *client, base, token string, id int64) (n notice) {
	t.Helper()
	r, err := read(c.raw(base, token).GetNotice(context.Background(), id))
	if err != nil || r.status != http.StatusOK {
		t.Fatalf("GET notice: %v %d %s", err, r.status, short(r.body))
	}
	if err := json.Unmarshal(r.body, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// offsetTo is the --clock-offset that puts a server started now at about
// at.
func offsetTo(at time.Time) string {
	return time.Until(at).Round(time.Second).String()
}

// TestNoticedWithoutMailIsNotDisclosable takes a demand through to noticed
// on a server with no mail server: the notice cannot go out, the legal
// team sees it undeliverable, and the demand cannot be disclosed however
// far the clock moves. Restarted with the loopback SMTP server, a retry
// delivers the notice, and the objection window runs from the moment the
// server accepted it: disclosure is refused just before the window ends
// and allowed just after. The on-call address hears of an emergency the
// moment it arrives.
func TestNoticedWithoutMailIsNotDisclosable(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, db, dir string) {
		logKey := filepath.Join(dir, "log.key")
		tokens := loadDemo(t, db)
		c := newClient(t)
		// One try each: a notice that cannot go out fails for good at once,
		// and only the legal team's retry sends it again.
		s := startServer(t, db, logKey, "--job-poll", "50ms", "--job-attempts", "1")
		res, err := c.submit(s.url, tokens["agency"], "", "E2E-NOTICE-1")
		if err != nil || res.status != http.StatusCreated {
			t.Fatalf("submit: %v %+v", err, res)
		}
		id := res.demand.ID
		path := fmt.Sprintf("/v1/demands/%d", id)
		move := func(s *server, who, body string, want int) {
			t.Helper()
			r, err := c.do("POST", s.url+path+"/transitions", tokens[who], []byte(body), "")
			if err != nil || r.status != want {
				t.Fatalf("%s: %v %d %s, want %d", body, err, r.status, short(r.body), want)
			}
		}
		for _, m := range []struct{ who, to string }{{"reviewer", "verifying"}, {"reviewer", "in_review"}, {"approver", "approved"}, {"reviewer", "noticed"}} {
			move(s, m.who, `{"to":"`+m.to+`","rationale":"e2e"}`, http.StatusOK)
		}
		undeliverable := func(s *server) bool {
			r, err := c.do("GET", s.url+path, tokens["reviewer"], nil, "")
			return err == nil && strings.Contains(string(r.body), `"notice_state":"undeliverable"`)
		}
		if !waitFor(func() bool { return undeliverable(s) }) {
			t.Fatalf("with no mail server the notice is %q, not undeliverable", noticeOf(t, c, s.url, tokens["reviewer"], id).State)
		}
		// The legal team answers with a package: it is refused while the
		// disclosure may not happen.
		produce := func(s *server, want int) {
			t.Helper()
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			part, _ := mw.CreateFormField("package")
			part.Write([]byte(`{"scope":{"accounts":["jdoe1987@mail.example"],"categories":["content"],"date_range":null},"rationale":"produced","records":3}`))
			file, _ := mw.CreateFormFile("file", "joe.mbox")
			file.Write([]byte("From joe\n"))
			mw.Close()
			r, err := read(c.raw(s.url, tokens["reviewer"]).CreateProductionWithBody(context.Background(), id, nil, mw.FormDataContentType(), &body))
			if err != nil || r.status != want {
				t.Fatalf("package: %v %d %s, want %d", err, r.status, short(r.body), want)
			}
		}
		produce(s, http.StatusConflict)
		s.kill(t)

		// A hundred days on, still no mail server: still not given.
		s = startServer(t, db, logKey, "--job-poll", "50ms", "--job-attempts", "1", "--clock-offset", "2400h")
		produce(s, http.StatusConflict)
		if n := noticeOf(t, c, s.url, tokens["reviewer"], id); n.GivenAt != nil {
			t.Fatalf("a notice nobody received counts as given at %v", n.GivenAt)
		}
		s.kill(t)

		// With a mail server, the legal team retries; the notice arrives.
		srv := notifytest.StartSMTP(t)
		flags := append(smtpFlags(t, srv), "--on-call-email", "oncall@provider.example")
		s = startServer(t, db, logKey, slices.Concat(flags, []string{"--clock-offset", "2400h"})...)
		before := time.Now().Add(2400 * time.Hour)
		r, err := c.do("POST", s.url+path+"/notice/retry", tokens["reviewer"], nil, "")
		if err != nil || r.status != http.StatusOK {
			t.Fatalf("retry: %v %d %s", err, r.status, short(r.body))
		}
		if !waitFor(func() bool { return len(noticesTo(srv)) == 1 }) {
			t.Fatalf("%d notices after the retry, want 1", len(noticesTo(srv)))
		}
		// The worker records the delivery once the server has accepted it.
		var n notice
		waitFor(func() bool { n = noticeOf(t, c, s.url, tokens["reviewer"], id); return n.GivenAt != nil })
		after := time.Now().Add(2400 * time.Hour)
		if n.GivenAt == nil || n.GivenAt.Before(before.Add(-time.Second)) || n.GivenAt.After(after.Add(time.Second)) || n.GivenVia != "email" {
			t.Fatalf("the notice delivered between %v and %v counts as given %v via %q", before, after, n.GivenAt, n.GivenVia)
		}

		// An emergency reaches the on-call address at once.
		r, err = read(c.raw(s.url, tokens["agency"]).CreateDemandWithBody(context.Background(), nil, jsonBody, strings.NewReader(`{"instrument":"us_emergency","issued_by":"other",
			"data_categories":["subscriber"],"accounts":["jdoe1987@mail.example"],"emergency":{"justification":"a child is missing"}}`)))
		if err != nil || r.status != http.StatusCreated {
			t.Fatalf("emergency: %v %d %s", err, r.status, short(r.body))
		}
		alerted := func() bool {
			for _, m := range srv.Mails() {
				if len(m.To) == 1 && m.To[0] == "oncall@provider.example" && strings.Contains(string(m.Data), "EMERGENCY") {
					return true
				}
			}
			return false
		}
		if !waitFor(alerted) {
			t.Fatal("the on-call address heard nothing of the emergency")
		}
		s.kill(t)

		// The window is seven days from delivery.
		ends := n.GivenAt.Add(7 * 24 * time.Hour)
		s = startServer(t, db, logKey, slices.Concat(flags, []string{"--clock-offset", offsetTo(ends.Add(-2 * time.Minute))})...)
		produce(s, http.StatusConflict)
		s.kill(t)
		s = startServer(t, db, logKey, slices.Concat(flags, []string{"--clock-offset", offsetTo(ends.Add(2 * time.Minute))})...)
		// Past the window the package is taken; a warrant's waits for its
		// certificate of authenticity.
		produce(s, http.StatusCreated)
	})
}
