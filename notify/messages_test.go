package notify_test

import (
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"writ"
	"writ/notify/notifytest"
	"writ/store/storetest"
)

// readable is a received e-mail as its reader sees it: the subject and
// every part, decoded.
func readable(t *testing.T, m notifytest.Mail) (subject, text string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
	check(t, err)
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	check(t, err)
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	check(t, err)
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var all strings.Builder
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		check(t, err)
		b, err := io.ReadAll(quotedprintable.NewReader(part))
		check(t, err)
		all.Write(b)
	}
	return subject, all.String()
}

// TestMessageMailCarriesOnlyAPointer posts messages on both threads of a
// demand and checks the e-mail that tells the other side, received by a
// real SMTP server on loopback: it links to the demand's page and carries
// nothing of the message, its text or its attachment; each goes to the
// other side only, and each sending is an event.
func TestMessageMailCarriesOnlyAPointer(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		srv := notifytest.StartSMTP(t)
		w := worker(t, f, srv, "w1")
		w.Site = "https://writ.provider.example"
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
		check(t, err)
		runDue(t, w) // the notice and the redirect letter
		_, err = f.Store.PostMessage(ctx, f.Reviewer, d.ID, writ.ThreadAgency, writ.MessageInput{Body: "Secret answer to the sheriff",
			Attachments: []writ.DocumentUpload{{Name: "answer-letter.pdf", Content: []byte("%PDF-1.7 attachment bytes")}}})
		check(t, err)
		_, err = f.Store.PostMessage(ctx, f.Reviewer, d.ID, writ.ThreadCustomer, writ.MessageInput{Body: "Secret word to Beispiel"})
		check(t, err)
		_, err = f.Store.PostMessage(ctx, f.AgencyUserUS, d.ID, writ.ThreadAgency, writ.MessageInput{Body: "Secret question of the sheriff"})
		check(t, err)
		runDue(t, w)
		link := fmt.Sprintf("https://writ.provider.example/demands/%d", d.ID)
		pointers := map[string]int{}
		for _, m := range srv.Mails() {
			subject, text := readable(t, m)
			if !strings.Contains(text, link) {
				continue // the notice and the redirect letter
			}
			for _, r := range m.To {
				pointers[r]++
			}
			// Each in its reader's language: the German customer's in German.
			if wantSubject := fmt.Sprintf("A new message on demand %d", d.ID); m.To[0] == "recht@beispiel.example" {
				wantSubject = fmt.Sprintf("Eine neue Nachricht zum Ersuchen %d", d.ID)
				if subject != wantSubject {
					t.Fatalf("the customer's pointer is titled %q, want %q", subject, wantSubject)
				}
			} else if subject != wantSubject {
				t.Fatalf("the pointer to %v is titled %q, want %q", m.To, subject, wantSubject)
			}
			for _, secret := range []string{"Secret", "answer-letter", "attachment bytes"} {
				if strings.Contains(subject+text, secret) || strings.Contains(string(m.Data), secret) {
					t.Fatalf("the mail to %v carries %q:\n%s\n%s", m.To, secret, subject, text)
				}
			}
		}
		// The agency's pointer went to its submitter, the customer's to its
		// legal contact, the agency's question to the legal team.
		want := map[string]int{"dan@sheriff.example.gov": 1, "recht@beispiel.example": 1,
			"rhea@provider.example": 1, "arlo@provider.example": 1, "aria@provider.example": 1, "ada@provider.example": 1}
		if fmt.Sprint(pointers) != fmt.Sprint(want) {
			t.Fatalf("pointers went to %v, want %v", pointers, want)
		}
		if n := count(events(t, f, d.ID), "message.pointer_sent"); n != 3 {
			t.Fatalf("%d message.pointer_sent events, want 3", n)
		}
	})
}
