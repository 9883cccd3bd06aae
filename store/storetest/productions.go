package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/identity"
)

// producible is a consumer warrant noticed, delivered and past the
// customer's objection window: ready to be answered with a package.
func producible(t *testing.T, f *Fixture) writ.Demand {
	t.Helper()
	d := disclosable(t, f)
	_, err := f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, writ.DeliveryInput{Method: "phone", Evidence: "read the notice to the account holder"})
	check(t, err)
	f.Clock.Advance(7 * 24 * time.Hour)
	return d
}

// pkg is a one-file package of the warrant's content.
func pkg(content string) writ.ProductionInput {
	return writ.ProductionInput{Scope: writ.ProductionScope{Accounts: []string{"joe@mail.example"}, Categories: []string{"content"}},
		Files: []writ.ProductionUpload{{Name: "joe-mailbox.mbox", Content: []byte(content)}}, Records: 3, Rationale: "produced through writ"}
}

func testProductionScope(t *testing.T, f *Fixture) {
	d := producible(t, f)
	for _, c := range []struct {
		edit    func(*writ.ProductionInput)
		field   string
		message string
	}{
		{func(in *writ.ProductionInput) { in.Scope.Categories = []string{"content", "traffic"} }, "scope.categories", `"traffic" was not approved`},
		{func(in *writ.ProductionInput) { in.Scope.Accounts = []string{"jane@mail.example"} }, "scope.accounts", `"jane@mail.example" is not an account the demand names`},
		{func(in *writ.ProductionInput) {
			in.Scope.DateRange = &writ.DateRange{From: "2026-01-01", To: "2026-13-01"}
		}, "scope.date_range.to", "not a date"},
		{func(in *writ.ProductionInput) { in.Files = nil }, "files", "at least one file"},
		{func(in *writ.ProductionInput) { in.DownloadLimit = -1 }, "download_limit", "between 1 and 100"},
	} {
		in := pkg("mail")
		c.edit(&in)
		_, err := f.Store.Produce(ctx, f.Reviewer, d.ID, in)
		wantCode(t, err, writ.EINVALID, c.field)
		if !strings.Contains(err.Error(), c.message) {
			t.Fatalf("error %q, want it to say %q", err, c.message)
		}
	}
	// Nothing of a refused package survives, and the demand did not move.
	_, err := f.Store.Production(ctx, f.Reviewer, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if got.State != writ.StateNoticed {
		t.Fatalf("after refused packages the demand is %s", got.State)
	}
	// Only the legal team makes a production available.
	_, err = f.Store.Produce(ctx, f.AgencyUserUS, d.ID, pkg("mail"))
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.Produce(ctx, f.AgencyUserDE, d.ID, pkg("mail"))
	wantCode(t, err, writ.ENOTFOUND)
}

func testProductionNeedsTheDisclosureChecks(t *testing.T, f *Fixture) {
	d := disclosable(t, f)
	// Noticed but not delivered: the disclosure's own checks refuse it.
	_, err := f.Store.Produce(ctx, f.Reviewer, d.ID, pkg("mail"))
	wantCode(t, err, writ.ECONFLICT)
	e := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	intoReview(t, f, f.Reviewer, e.ID)
	_, err = f.Store.Produce(ctx, f.Reviewer, e.ID, pkg("mail"))
	wantCode(t, err, writ.ECONFLICT) // never approved
}

func testProductionDelivery(t *testing.T, f *Fixture) {
	d := producible(t, f)
	in := pkg("From joe\nSubject: hello\n")
	in.DownloadLimit = 2
	p := f.Deliver(t, d.ID, in)
	sum := sha256.Sum256(in.Files[0].Content)
	sha := hex.EncodeToString(sum[:])
	if len(p.Files) != 1 || p.Files[0].SHA256 != sha || p.Files[0].Size != int64(len(in.Files[0].Content)) || p.DownloadLimit != 2 {
		t.Fatalf("production %+v", p)
	}
	if want := Start.Add(7 * 24 * time.Hour).Add(writ.DefaultProductionExpiry); !p.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", p.ExpiresAt, want)
	}
	if !strings.Contains(p.Files[0].Entry.Data, sha) || !strings.Contains(p.Files[0].Entry.Leaf, `"kind":"production.file"`) {
		t.Fatalf("the log entry %+v does not commit to the file", p.Files[0].Entry)
	}
	got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if got.State != writ.StateDisclosed {
		t.Fatalf("after the package the demand is %s", got.State)
	}
	// Who may download.
	_, _, err = f.Store.DownloadProduction(ctx, f.AgencyUserUS, d.ID, sha)
	wantCode(t, err, writ.EFORBIDDEN) // no second factor yet
	f.WithTOTP(t, f.AgencyUserUS)
	for _, a := range []writ.Actor{f.AgencyUserDE, f.CustomerUserConsumer} {
		_, _, err = f.Store.DownloadProduction(ctx, a, d.ID, sha)
		wantCode(t, err, writ.ENOTFOUND)
	}
	_, _, err = f.Store.DownloadProduction(ctx, f.Auditor, d.ID, sha)
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.Production(ctx, f.CustomerUserConsumer, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	for i := 0; i < 2; i++ {
		file, content, err := f.Store.DownloadProduction(ctx, f.AgencyUserUS, d.ID, sha)
		check(t, err)
		if string(content) != string(in.Files[0].Content) || file.Name != "joe-mailbox.mbox" {
			t.Fatalf("download %d: %q %+v", i, content, file)
		}
	}
	_, _, err = f.Store.DownloadProduction(ctx, f.AgencyUserUS, d.ID, sha)
	wantCode(t, err, writ.EFORBIDDEN) // over the limit
	// The legal team may open the file without using up the agency's.
	_, _, err = f.Store.DownloadProduction(ctx, f.Reviewer, d.ID, sha)
	check(t, err)
	page, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 100)
	check(t, err)
	downloads := 0
	for _, e := range page.Items {
		if e.Kind == "production.downloaded" && strings.Contains(string(e.Data), sha) {
			downloads++
		}
	}
	if downloads != 3 {
		t.Fatalf("%d download events, want 3", downloads)
	}
	closed := move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateClosed})
	if closed.Outcome != writ.OutcomeContentDisclosed {
		t.Fatalf("outcome %s", closed.Outcome)
	}
}

func testProductionExpires(t *testing.T, f *Fixture) {
	d := producible(t, f)
	f.WithTOTP(t, f.AgencyUserUS)
	in := pkg("mail")
	in.ExpiresInDays = 3
	p := f.Deliver(t, d.ID, in)
	f.Clock.Advance(3*24*time.Hour - time.Minute)
	_, _, err := f.Store.DownloadProduction(ctx, f.AgencyUserUS, d.ID, p.Files[0].SHA256)
	check(t, err)
	f.Clock.Advance(time.Minute)
	_, _, err = f.Store.DownloadProduction(ctx, f.AgencyUserUS, d.ID, p.Files[0].SHA256)
	wantCode(t, err, writ.EGONE)
}

// ApprovedEmergency is an emergency request for the consumer's subscriber
// data, confirmed by a call-back and approved with four eyes: its notice
// follows the emergency, so a package may answer it at once.
func (f *Fixture) ApprovedEmergency(t *testing.T) writ.Demand {
	t.Helper()
	d := submit(t, f, f.AgencyUserUS, emergency("EM-PKG"))
	_, err := f.Store.RecordCallback(ctx, f.Reviewer, d.ID, writ.CallbackInput{Number: "+1 555 0100", Outcome: writ.CallbackConfirmed})
	check(t, err)
	intoReview(t, f, f.Reviewer, d.ID)
	return move(t, f, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})
}

// SubscriberPackage is a one-file package of the consumer's subscriber
// record, for ApprovedEmergency.
func SubscriberPackage(content string) writ.ProductionInput {
	in := pkg(content)
	in.Scope.Categories = []string{"subscriber"}
	in.Files[0].Name = "joe-subscriber.csv"
	return in
}

// WithTOTP gives a fixture user a second factor and returns its secret.
func (f *Fixture) WithTOTP(t *testing.T, a writ.Actor) string {
	t.Helper()
	secret, err := identity.NewTOTPSecret()
	check(t, err)
	check(t, f.Identity.SetTOTP(ctx, writ.System(), a.UserID, secret))
	return secret
}
