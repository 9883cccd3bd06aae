package notify_test

import (
	"context"
	"crypto/tls"
	"slices"
	"strings"
	"testing"
	"time"

	"writ/notify"
	"writ/notify/notifytest"
)

// TestSMTPStartTLS sends through servers with and without STARTTLS under
// each --smtp-starttls setting: auto upgrades when offered and sends in
// clear to a server on this machine that offers none, always refuses to
// send without TLS, never stays in clear; the server hears writ's own
// name in EHLO once the connection is encrypted.
func TestSMTPStartTLS(t *testing.T) {
	withTLS, plain := notifytest.StartSMTP(t), notifytest.StartPlainSMTP(t)
	cases := []struct {
		name    string
		srv     *notifytest.SMTPServer
		mode    string
		tls     bool
		refusal string
	}{
		{"auto, offered", withTLS, "auto", true, ""},
		{"auto, not offered", plain, "auto", false, ""},
		{"always, offered", withTLS, "always", true, ""},
		{"always, not offered", plain, "always", false, "does not offer STARTTLS"},
		{"never, offered", withTLS, "never", false, "offers no AUTH mechanism"},
		{"never, not offered", plain, "never", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(c.srv.Mails())
			to := strings.ReplaceAll(c.name, ", ", ".") + "@mail.example"
			to = strings.ReplaceAll(to, " ", "-")
			m := &notify.SMTP{Addr: c.srv.Addr, From: "Legal <legal@cloud.example>", User: c.srv.User, Password: c.srv.Password,
				StartTLS: c.mode, TLS: &tls.Config{RootCAs: c.srv.Roots, ServerName: "127.0.0.1"}, Hello: "writ.cloud.example"}
			err := m.Send(context.Background(), notify.Message{To: []string{to}, Subject: "s", MessageID: "<m@cloud.example>", Date: time.Now(),
				Text: []byte("text"), HTML: []byte("<p>html</p>")})
			if c.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), c.refusal) {
					t.Fatalf("Send = %v, want a refusal naming %q", err, c.refusal)
				}
				if len(c.srv.Mails()) != before {
					t.Fatal("the server received the message anyway")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			mails := c.srv.Mails()
			if len(mails) != before+1 || mails[before].To[0] != to || mails[before].TLS != c.tls || !mails[before].Authed {
				t.Fatalf("received %+v, want one message to %s with TLS %v", mails[before:], to, c.tls)
			}
			if !slices.Contains(c.srv.Hellos(), "writ.cloud.example") {
				t.Fatalf("EHLO names %v, want writ's", c.srv.Hellos())
			}
		})
	}
}

// TestSMTPSendEndsWithItsContext gives up on a server that takes longer
// than the send may, and says so.
func TestSMTPSendEndsWithItsContext(t *testing.T) {
	srv := notifytest.StartSMTP(t)
	srv.Delay(3 * time.Second)
	m := &notify.SMTP{Addr: srv.Addr, From: "legal@cloud.example", User: srv.User, Password: srv.Password, StartTLS: "always",
		TLS: &tls.Config{RootCAs: srv.Roots, ServerName: "127.0.0.1"}}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := m.Send(ctx, notify.Message{To: []string{"joe@mail.example"}, Subject: "s", MessageID: "<m@cloud.example>", Date: time.Now(), Text: []byte("t"), HTML: []byte("h")})
	if err == nil || !strings.Contains(err.Error(), "DATA") {
		t.Fatalf("Send = %v, want a failure at DATA", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the send took %v after its context ended", took)
	}
}
