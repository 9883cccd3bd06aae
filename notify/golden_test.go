package notify

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/i18n"
	"writ/rules"
)

var update = flag.Bool("update", false, "rewrite the golden letters in testdata/letters")

// goldenFacts are the facts of the three letters writ sends outside the
// provider: a notice delayed by a non-disclosure order, a redirect, and a
// notification to a data protection authority.
func goldenFacts(kind string) facts {
	received := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	f := facts{
		Demand: writ.Demand{ID: 42, Reference: "SW-2026-0042", Instrument: "us_search_warrant", Citation: "Case 26-MJ-0042", IssuedBy: "judge",
			Accounts: []string{"anna@beispiel.example"}, DataCategories: []string{"subscriber", "content"}, ReceivedAt: received,
			DateRange: &writ.DateRange{From: "2026-01-01", To: "2026-06-30"}, State: writ.StateInReview},
		Agency:     writ.Agency{Name: "Example County Sheriff", Country: "US", Phone: "+1 555 0100"},
		Customer:   writ.Customer{Name: "Beispiel AG", Kind: "enterprise", LegalContact: "recht@beispiel.example", HomeCountry: "DE"},
		Recipients: []string{"recht@beispiel.example"},
	}
	f.Job.Kind, f.Job.ID, f.Job.RunAt = JobNoticeEmail, 7, received.Add(30*24*time.Hour)
	switch kind {
	case LetterNotice:
		f.Demand.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-12-20"}
		f.Assessment.Notice.Timing = rules.NoticeDelayed
		f.Assessment.Route = rules.RouteRespond
		f.Assessment.DisclosableCategories = []string{"subscriber", "content"}
	case LetterRedirect:
		f.Job.Kind = JobRedirectLetter
		f.Demand.State = writ.StateRedirected
		f.Assessment.Route = rules.RouteRedirectToCustomer
	case LetterAuthority:
		f.Job.Kind = JobAuthorityNotice
		f.Assessment.Route = rules.RouteChallenge
		f.Authority = writ.AuthorityNotification{Code: "DPA", Country: "DE", Name: "Bayerisches Landesamt für Datenschutzaufsicht", Address: "Promenade 18, 91522 Ansbach"}
	}
	return f
}

// TestLettersInEveryLanguage renders the notice, the redirect and the
// authority notification in English, French and German and holds them to
// the golden files in testdata/letters (go test -run TestLettersInEveryLanguage -update
// rewrites them). A French or German letter may hold no sentence of the
// English catalog.
func TestLettersInEveryLanguage(t *testing.T) {
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := LoadTemplates(Version)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	english := englishSentences(cat)
	for _, name := range []string{LetterNotice, LetterRedirect, LetterAuthority} {
		for _, lang := range i18n.Languages() {
			data := letterData(rb, tmpl.Printer(lang), "Example Cloud", goldenFacts(name), "<writ-job-7@cloud.example>")
			r, err := tmpl.Render(name, lang, data)
			if err != nil {
				t.Fatal(err)
			}
			for ext, got := range map[string]string{"txt": "Subject: " + r.Subject + "\n\n" + string(r.Text), "html": string(r.HTML)} {
				path := filepath.Join("testdata", "letters", name+"."+lang+"."+ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file (go test ./notify -run TestLettersInEveryLanguage -update):\n%s", path, got)
				}
				if lang == i18n.English {
					continue
				}
				for _, s := range english {
					if strings.Contains(got, s) {
						t.Errorf("%s holds English: %q", path, s)
					}
				}
			}
		}
	}
}

// englishSentences are the runs of three words or more of the English
// catalog's messages, between their arguments.
func englishSentences(cat *i18n.Catalog) []string {
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	var out []string
	for _, key := range cat.Keys(i18n.English) {
		text, _ := cat.Text(i18n.English, key)
		for _, line := range strings.Split(text, "\n") {
			for _, part := range verb.Split(line, -1) {
				part = strings.Trim(part, " .,:;()—")
				if len(strings.Fields(part)) >= 3 {
					out = append(out, part)
				}
			}
		}
	}
	return out
}
