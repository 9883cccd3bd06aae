package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"writ/auditlog"
)

// A demand from the agency's submission to the agency's download of the
// production, in a real browser: the agency (password and second factor)
// submits a warrant, a reviewer takes it into review, a second person
// approves it, the notice reaches the customer, the objection window
// passes, the reviewer uploads the package, the approver signs its
// certificate of authenticity as custodian (a fresh authenticator code),
// and the agency downloads the file and the signed certificate from its
// portal. The file's SHA-256 is then checked against the
// public log with a verifier built only on golang.org/x/mod/sumdb/tlog
// and note, and the legal team finds the download among the events.
func TestBrowserProductionFromSubmissionToDownload(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	browser := startBrowser(t)
	dir := t.TempDir()
	pdf := filepath.Join(dir, "warrant.pdf")
	mbox := filepath.Join(dir, "joe-mailbox.mbox")
	content := []byte("From joe@mail.example Fri Nov 20 09:00:00 2026\nSubject: the shipment\n\nIt leaves on Monday.\n")
	for name, b := range map[string][]byte{pdf: warrantPDF, mbox: content} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(content)
	fileSHA := hex.EncodeToString(sum[:])

	agency := s.newTab(t, browser)
	agency.signIn(s.AgencyUserUS, "")
	agency.open("/agency/new")
	// As the officer fills the form in, the preview shows what the
	// rulebook finds: a subpoena cannot compel content.
	agency.run(
		chromedp.SendKeys(chromedp.ID("reference"), "SW-77"),
		chromedp.SetValue(chromedp.ID("instrument"), "us_subpoena"),
		chromedp.SetValue(chromedp.ID("issued_by"), "other"),
		chromedp.SendKeys(chromedp.ID("accounts"), "joe@mail.example"),
		chromedp.Click(chromedp.CSS(`input[name="data_categories"][value="content"]`)),
	)
	pollPreview(t, agency, "2703(c)(2)")
	agency.run(
		chromedp.SetValue(chromedp.ID("instrument"), "us_search_warrant"),
		chromedp.SetValue(chromedp.ID("issued_by"), "judge"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("issued_by").dispatchEvent(new Event("change", {bubbles: true}))`),
	)
	pollPreview(t, agency, "finds no deficiency")
	agency.run(chromedp.SetUploadFiles(chromedp.ID("document"), []string{pdf}))
	agency.submit(`form[action="/agency/demands"] button[type="submit"]`)
	agency.wantText(".flash", "was received")
	loc, err := chromedp.Run(agency.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	path := loc[len(s.srv.URL):]

	reviewer := s.newTab(t, browser)
	reviewer.signIn(s.Reviewer, "")
	reviewer.open(path)
	for _, step := range []struct{ to, rationale, now string }{
		{"verifying", "checking the requester", "is now Verifying"},
		{"in_review", "requester confirmed", "is now In review"},
	} {
		reviewer.run(chromedp.SendKeys(chromedp.ID("rationale-"+step.to), step.rationale))
		reviewer.submit(`#action-` + step.to + ` button[type="submit"]`)
		reviewer.wantText(".flash", step.now)
	}
	approver := s.newTab(t, browser)
	approver.signIn(s.Approver, "")
	approver.open(path)
	approver.wantText("#action-approved", "Four eyes: reviewed by Rhea")
	approver.run(chromedp.SendKeys(chromedp.ID("rationale-approved"), "a judge's warrant for content"))
	approver.submit(`#action-approved button[type="submit"]`)
	approver.wantText(".flash", "is now Approved")

	reviewer.open(path)
	reviewer.run(chromedp.SendKeys(chromedp.ID("rationale-noticed"), "notice to the customer"))
	reviewer.submit(`#action-noticed button[type="submit"]`)
	reviewer.run(chromedp.SetValue(chromedp.ID("dv-method"), "phone"), chromedp.SendKeys(chromedp.ID("dv-evidence"), "read the notice to the account holder"))
	reviewer.submit(`#delivery-form button[type="submit"]`)
	reviewer.wantText(".flash", "delivery of the notice was recorded")
	// The customer's objection window passes; sessions end meanwhile, so
	// everyone signs in again.
	s.Clock.Advance(7*24*time.Hour + time.Minute)
	reviewer.signIn(s.Reviewer, "")
	reviewer.open(path)
	reviewer.run(chromedp.SetUploadFiles(chromedp.ID("pkg-files"), []string{mbox}),
		chromedp.SendKeys(chromedp.ID("pkg-records"), "1"),
		chromedp.SendKeys(chromedp.ID("pkg-rationale"), "the mailbox, as the warrant orders"))
	reviewer.screenshot("production-upload")
	reviewer.submit(`#production-form button[type="submit"]`)
	// A warrant is US legal process: the package waits for the
	// custodian's certificate of authenticity, and the agency sees none
	// of it meanwhile.
	reviewer.wantText(".flash", "certificate of authenticity")
	reviewer.wantText("h1 + p", "Customer notified")
	reviewer.wantText("#production", fileSHA)
	reviewer.wantText("#certificate", "Draft, not signed", "An approver signs it")
	agency.signIn(s.AgencyUserUS, "")
	agency.open(path)
	if hidden, err := chromedp.Run(agency.ctx, chromedp.Evaluate[bool](`document.querySelector("#production") === null`)); err != nil || !hidden {
		t.Fatalf("the agency sees a package whose certificate is unsigned (%v)", err)
	}

	// The approver, as custodian of records, reads the draft and signs it
	// with their name, position and a fresh code of their authenticator.
	approver.signIn(s.Approver, "")
	approver.open(path)
	approver.wantText("#certificate", "Draft, not signed")
	draft, err := chromedp.Run(approver.ctx, chromedp.Evaluate[string](`fetch(document.querySelector("#certificate a.certificate-json").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(draft, `"version": "writ.certificate/v1"`) || !strings.Contains(draft, fileSHA) || !strings.Contains(draft, "803(6)(A)") {
		t.Fatalf("the draft certificate: %v %s", err, draft)
	}
	s.Clock.Advance(30 * time.Second)
	approver.run(chromedp.SendKeys(chromedp.ID("cert-name"), s.Approver.Name),
		chromedp.SendKeys(chromedp.ID("cert-title"), "Custodian of Records, Legal"),
		chromedp.SendKeys(chromedp.ID("cert-code"), s.code(t, s.email(t, s.Approver))))
	approver.screenshot("certificate-sign")
	approver.submit(`#certificate-form button[type="submit"]`)
	approver.wantText(".flash", "You signed the certificate of authenticity")
	approver.wantText("h1 + p", "Disclosed")
	approver.wantText("#certificate", "Signed", "by "+s.Approver.Name)
	certSHA := approver.text("#certificate code.sha256")

	// A checkpoint covers the package's entries now.
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.IssueCheckpoint(context.Background(), key.Signer); err != nil {
		t.Fatal(err)
	}

	// The agency, still signed in, finds the package now.
	agency.open(path)
	agency.wantText("#production", "joe-mailbox.mbox", fileSHA)
	agency.screenshot("agency-production")
	// The agency's browser downloads the file with its session, which
	// took its second factor, and hashes what it received.
	got, err := chromedp.Run(agency.ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a.download").href).then(r => {
		if (!r.ok) throw new Error("status " + r.status); return r.arrayBuffer(); })
		.then(b => crypto.subtle.digest("SHA-256", b))
		.then(h => Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, "0")).join(""))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got != fileSHA {
		t.Fatalf("the agency downloaded a file hashing to %s, want %s", got, fileSHA)
	}
	proof, err := chromedp.Run(agency.ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a.proof").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := fetchPublic(t, s.srv.URL+"/log/checkpoint")
	verifyFileInLog(t, []byte(proof), checkpoint, key.VerifierKey, fileSHA)

	// The agency downloads the signed certificate with the package: the
	// bytes whose SHA-256 the signature's event binds, and its PDF.
	agency.wantText("#certificate", s.Approver.Name, certSHA)
	got, err = chromedp.Run(agency.ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a.certificate-json").href).then(r => {
		if (!r.ok) throw new Error("status " + r.status); return r.arrayBuffer(); })
		.then(b => crypto.subtle.digest("SHA-256", b))
		.then(h => Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, "0")).join(""))`, chromedp.EvalAwaitPromise))
	if err != nil || got != certSHA {
		t.Fatalf("the agency's certificate hashes to %s, want %s (%v)", got, certSHA, err)
	}
	pdfStart, err := chromedp.Run(agency.ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a.certificate-pdf").href).then(r => r.text()).then(t => t.slice(0, 8))`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(pdfStart, "%PDF-") {
		t.Fatalf("the agency's certificate PDF starts %q (%v)", pdfStart, err)
	}

	reviewer.open(path)
	reviewer.wantText("#timeline", "to the production (SHA-256 "+fileSHA, "downloaded joe-mailbox.mbox from the production",
		"signed the certificate of authenticity as custodian of records (Custodian of Records, Legal), with an authenticator code (SHA-256 "+certSHA,
		"downloaded the certificate of authenticity")
	if !strings.Contains(reviewer.text("#timeline"), "Deputy Dan") {
		t.Fatal("the timeline does not say who downloaded the file")
	}
}

// pollPreview waits until the submission form's preview says text.
func pollPreview(t *testing.T, b *tab, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#preview").textContent.includes(`+strconv.Quote(text)+`)`)); err != nil {
		t.Fatalf("the preview never said %q: %s", text, b.text("#preview"))
	}
}

// fetchPublic reads a public URL.
func fetchPublic(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// verifyFileInLog is what an agency does with public tools only
// (golang.org/x/mod/sumdb/tlog and note): it opens the signed checkpoint
// with the log's verifier key, finds the file's entry in the proof file
// the portal gave it, checks that the entry's data names the file's
// SHA-256 and that the leaf commits to that data, and checks the leaf's
// inclusion in the checkpoint's tree.
func verifyFileInLog(t *testing.T, proofJSON, signed []byte, verifierKey, fileSHA string) {
	t.Helper()
	verifier, err := note.NewVerifier(verifierKey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		t.Fatalf("the checkpoint's signature: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		t.Fatalf("checkpoint root %q", lines[2])
	}
	var p struct {
		Files []struct {
			SHA256 string `json:"sha256"`
			Entry  struct {
				Index     int64  `json:"index"`
				Leaf      string `json:"leaf"`
				Data      string `json:"data"`
				Inclusion *struct {
					TreeSize int64    `json:"tree_size"`
					Proof    []string `json:"proof"`
				} `json:"inclusion"`
			} `json:"entry"`
		} `json:"files"`
	}
	if err := json.Unmarshal(proofJSON, &p); err != nil || len(p.Files) != 1 {
		t.Fatalf("proof file %s: %v", proofJSON, err)
	}
	e := p.Files[0].Entry
	var data struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal([]byte(e.Data), &data); err != nil || data.SHA256 != fileSHA || p.Files[0].SHA256 != fileSHA {
		t.Fatalf("the entry's data %s does not name the file %s", e.Data, fileSHA)
	}
	dataSum := sha256.Sum256([]byte(e.Data))
	if !strings.Contains(e.Leaf, `"data_sha256":"`+hex.EncodeToString(dataSum[:])+`"`) {
		t.Fatalf("the leaf %s does not commit to the data", e.Leaf)
	}
	if e.Inclusion == nil || e.Inclusion.TreeSize != size {
		t.Fatalf("no proof at the checkpoint's size %d: %+v", size, e.Inclusion)
	}
	var proof tlog.RecordProof
	for _, h := range e.Inclusion.Proof {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != tlog.HashSize {
			t.Fatalf("proof hash %q", h)
		}
		proof = append(proof, tlog.Hash(b))
	}
	if err := tlog.CheckRecord(proof, size, tlog.Hash(rootBytes), e.Index, tlog.RecordHash([]byte(e.Leaf))); err != nil {
		t.Fatalf("the file's entry is not in the signed tree: %v", err)
	}
	// A leaf for another file would not pass.
	forged := bytes.Replace([]byte(e.Leaf), []byte(hex.EncodeToString(dataSum[:])), []byte(strings.Repeat("0", 64)), 1)
	if tlog.CheckRecord(proof, size, tlog.Hash(rootBytes), e.Index, tlog.RecordHash(forged)) == nil {
		t.Fatal("a forged leaf passed the check")
	}
}
