package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"writ"
)

// byCode stands for the check of the custodian's authenticator code.
func byCode(context.Context) (string, error) { return "authenticator code", nil }

// Custodian is the signature the fixture's approver gives as custodian.
func (f *Fixture) Custodian() writ.CertificateSignature {
	return writ.CertificateSignature{Name: f.Approver.Name, Title: "Custodian of Records"}
}

// Deliver makes a package available for a demand as the legal team does:
// a reviewer uploads it and, when it answers US legal process, the
// approver signs its certificate of authenticity.
func (f *Fixture) Deliver(t *testing.T, demandID int64, in writ.ProductionInput) writ.Production {
	t.Helper()
	p, err := f.Store.Produce(ctx, f.Reviewer, demandID, in)
	if err != nil {
		t.Fatalf("production of demand %d: %v", demandID, err)
	}
	if p.Certificate != nil {
		if p, err = f.Store.SignCertificate(ctx, f.Approver, demandID, f.Custodian(), byCode); err != nil {
			t.Fatalf("certificate of demand %d: %v", demandID, err)
		}
	}
	return p
}

// tryProduce makes the consumer warrant's content package available: a
// reviewer uploads it, the approver signs its certificate.
func tryProduce(f *Fixture, id int64) error {
	if _, err := f.Store.Produce(ctx, f.Reviewer, id, pkg("From joe\n")); err != nil {
		return err
	}
	_, err := f.Store.SignCertificate(ctx, f.Approver, id, f.Custodian(), byCode)
	return err
}

func testCertificateBeforeAvailability(t *testing.T, f *Fixture) {
	d := producible(t, f)
	f.WithTOTP(t, f.AgencyUserUS)
	p, err := f.Store.Produce(ctx, f.Reviewer, d.ID, pkg("From joe\n"))
	check(t, err)
	if p.Certificate == nil || p.Certificate.Signed || p.AvailableAt != nil {
		t.Fatalf("a warrant's package waits for its certificate: %+v, %+v", p.Certificate, p.AvailableAt)
	}
	// Unsigned, the package is not the agency's and the demand not
	// disclosed.
	if got, _ := f.Store.Demand(ctx, f.Reviewer, d.ID); got.State != writ.StateNoticed {
		t.Fatalf("with the certificate unsigned the demand is %s", got.State)
	}
	_, err = f.Store.Production(ctx, f.AgencyUserUS, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	_, _, err = f.Store.DownloadProduction(ctx, f.AgencyUserUS, d.ID, p.Files[0].SHA256)
	wantCode(t, err, writ.ENOTFOUND)
	_, _, err = f.Store.DownloadCertificate(ctx, f.AgencyUserUS, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	draft, _, err := f.Store.DownloadCertificate(ctx, f.Reviewer, d.ID)
	check(t, err)
	if draft.Signature != nil || len(draft.Files) != 1 || draft.Files[0].SHA256 != p.Files[0].SHA256 || draft.Demand.Reference != d.Reference {
		t.Fatalf("the draft %+v", draft)
	}
	// Only an approver signs, in their own name and with a position.
	for _, c := range []struct {
		actor writ.Actor
		code  string
	}{{f.Reviewer, writ.EFORBIDDEN}, {f.Admin, writ.EFORBIDDEN}, {f.Auditor, writ.EFORBIDDEN}, {f.AgencyUserUS, writ.EFORBIDDEN},
		{f.CustomerUserConsumer, writ.EFORBIDDEN}, {f.AgencyUserDE, writ.ENOTFOUND}} {
		_, err := f.Store.SignCertificate(ctx, c.actor, d.ID, writ.CertificateSignature{Name: c.actor.Name, Title: "Custodian"}, byCode)
		wantCode(t, err, c.code)
	}
	_, err = f.Store.SignCertificate(ctx, f.Approver, d.ID, writ.CertificateSignature{Name: f.Reviewer.Name, Title: "Custodian"}, byCode)
	wantCode(t, err, writ.EINVALID, "name")
	_, err = f.Store.SignCertificate(ctx, f.Approver, d.ID, writ.CertificateSignature{Name: f.Approver.Name}, byCode)
	wantCode(t, err, writ.EINVALID, "title")

	// A wrong second factor signs nothing.
	_, err = f.Store.SignCertificate(ctx, f.Approver, d.ID, f.Custodian(), func(context.Context) (string, error) {
		return "", writ.FieldErrorf("code", "wrong or already used code")
	})
	wantCode(t, err, writ.EINVALID, "code")
	if again, _ := f.Store.Production(ctx, f.Reviewer, d.ID); again.Certificate.Signed {
		t.Fatal("a wrong code signed the certificate")
	}

	f.Clock.Advance(2 * 24 * time.Hour)
	signed, err := f.Store.SignCertificate(ctx, f.Approver, d.ID, writ.CertificateSignature{Name: " " + strings.ToUpper(f.Approver.Name), Title: "Custodian of Records"}, byCode)
	check(t, err)
	if !signed.Certificate.Signed || signed.Certificate.SignedBy == "" || signed.AvailableAt == nil || !signed.AvailableAt.Equal(f.Clock.Now()) {
		t.Fatalf("signed: %+v, available %v", signed.Certificate, signed.AvailableAt)
	}
	// The expiry runs from the moment the package is available.
	if want := f.Clock.Now().Add(writ.DefaultProductionExpiry); !signed.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", signed.ExpiresAt, want)
	}
	if got, _ := f.Store.Demand(ctx, f.Reviewer, d.ID); got.State != writ.StateDisclosed {
		t.Fatalf("after the signature the demand is %s", got.State)
	}
	_, err = f.Store.SignCertificate(ctx, f.Approver, d.ID, f.Custodian(), byCode)
	wantCode(t, err, writ.ECONFLICT)
	// The agency downloads the signed certificate: the bytes whose SHA-256
	// the signature's event binds.
	c, body, err := f.Store.DownloadCertificate(ctx, f.AgencyUserUS, d.ID)
	check(t, err)
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != signed.Certificate.SHA256 || c.Signature == nil || !strings.HasPrefix(c.Statements[0], "I, "+f.Approver.Name) {
		t.Fatalf("the agency's certificate %s", body)
	}
	events, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 100)
	check(t, err)
	var certified, downloaded bool
	for _, e := range events.Items {
		var data map[string]any
		check(t, json.Unmarshal(e.Data, &data))
		switch e.Kind {
		case "production.certified":
			certified = data["certificate_sha256"] == signed.Certificate.SHA256 && e.Actor == f.Approver.Name && data["custodian"] == f.Approver.Name
		case "production.certificate_downloaded":
			downloaded = downloaded || e.Actor == f.AgencyUserUS.Name
		}
	}
	if !certified || !downloaded {
		t.Fatalf("events: certified %v, downloaded by the agency %v", certified, downloaded)
	}
	// The agency's certificate follows the files' expiry.
	f.Clock.Advance(writ.DefaultProductionExpiry)
	_, _, err = f.Store.DownloadCertificate(ctx, f.AgencyUserUS, d.ID)
	wantCode(t, err, writ.EGONE)
}

func testNonUSProductionNeedsNoCertificate(t *testing.T, f *Fixture) {
	d := MakeDemand(t, f, ReportSpec{Name: "de-police", Agency: f.AgencyDE, Instrument: "foreign_police_request", IssuedBy: "police",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: f.Clock.Now().Add(-30 * 24 * time.Hour),
		Outcome: writ.OutcomeNonContentDisclosed})
	p, err := f.Store.Production(ctx, f.AgencyUserDE, d.ID)
	check(t, err)
	if p.Certificate != nil || p.AvailableAt == nil {
		t.Fatalf("a German police request's package: certificate %+v, available %v", p.Certificate, p.AvailableAt)
	}
	_, _, err = f.Store.DownloadCertificate(ctx, f.Reviewer, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
}

func testTypedCountsDoNotDisclose(t *testing.T, f *Fixture) {
	d := producible(t, f)
	_, err := f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateDisclosed, Rationale: "produced",
		Disclosure: &writ.DisclosureInput{Categories: []string{"content"}, Accounts: 1, Records: 42}})
	wantCode(t, err, writ.EINVALID, "disclosure")
	if !strings.Contains(err.Error(), "production package") {
		t.Fatalf("the refusal %q does not say how a demand is disclosed", err)
	}
	_, err = f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateDisclosed, Rationale: "produced"})
	wantCode(t, err, writ.EINVALID, "to")
	// The other answers are typed as before.
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true})
}
