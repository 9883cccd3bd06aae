package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"testing"
	"time"

	"writ"
	"writ/identity"
	"writ/store/storetest"
)

// testBoundary marks the multipart bodies of the role tests.
const testBoundary = "writ-test-boundary"

// packageBody is a production upload: the package part and one file.
func packageBody(t *testing.T, pkg string, name, content string) string {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(testBoundary); err != nil {
		t.Fatal(err)
	}
	pw, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="package"`}, "Content-Type": {"application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	pw.Write([]byte(pkg))
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	return b.String()
}

// multipartHeader is the Content-Type of packageBody's bodies.
var multipartHeader = []string{"Content-Type", "multipart/form-data; boundary=" + testBoundary}

// produced is a demand of the US agency answered with a package, made
// once; the US agency's user has a second factor.
func (f *apiFixture) produced(t *testing.T) (writ.Demand, string) {
	t.Helper()
	if f.production != nil {
		return f.production.demand, f.production.sha
	}
	d := f.ApprovedEmergency(t)
	p := f.Deliver(t, d.ID, storetest.SubscriberPackage("joe,+1 555 0111\n"))
	f.WithTOTP(t, f.AgencyUserUS)
	f.production = &fixtureProduction{d, p.Files[0].SHA256}
	return d, p.Files[0].SHA256
}

type fixtureProduction struct {
	demand writ.Demand
	sha    string
}

// A package beyond the approval is refused naming the field, an expired
// download is 410 and one over the limit 403, on both databases.
func TestProductionOverTheAPIOnBothDatabases(t *testing.T) {
	for _, db := range []struct {
		name string
		open storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			f := newAPIFixtureOn(t, db.open)
			d := f.ApprovedEmergency(t)
			path := fmt.Sprintf("/v1/demands/%d/production", d.ID)
			beyond := `{"scope":{"accounts":["joe@mail.example"],"categories":["content"],"date_range":null},"rationale":"r"}`
			status, out := f.do(t, "reviewer", "POST", path, []byte(packageBody(t, beyond, "a.csv", "x")), multipartHeader...)
			wantError(t, status, out, 400, writ.EINVALID, "scope.categories")
			if !bytes.Contains(out, []byte(`\"content\" was not approved`)) {
				t.Fatalf("the refusal does not say what was not approved: %s", out)
			}
			ok := `{"scope":{"accounts":["joe@mail.example"],"categories":["subscriber"],"date_range":null},"rationale":"r","expires_in_days":2,"download_limit":1}`
			status, out = f.do(t, "reviewer", "POST", path, []byte(packageBody(t, ok, "joe.csv", "joe,+1 555 0111\n")), multipartHeader...)
			if status != 201 {
				t.Fatalf("package: %d %s", status, out)
			}
			var p writ.Production
			if err := json.Unmarshal(out, &p); err != nil || len(p.Files) != 1 {
				t.Fatalf("package answer %s (%v)", out, err)
			}
			f.WithTOTP(t, f.AgencyUserUS)
			file := path + "/files/" + p.Files[0].SHA256
			// An emergency under US law: the package waits for its
			// certificate, unseen by the agency, until the approver signs.
			if p.AvailableAt != nil || p.Certificate == nil || p.Certificate.Signed {
				t.Fatalf("the package did not wait for its certificate: %s", out)
			}
			status, out = f.do(t, "agencyUS", "GET", file, nil)
			wantError(t, status, out, 404, writ.ENOTFOUND, "")
			f.sign(t, d.ID)
			if status, out = f.do(t, "agencyUS", "GET", file, nil); status != 200 || string(out) != "joe,+1 555 0111\n" {
				t.Fatalf("first download: %d %s", status, out)
			}
			status, out = f.do(t, "agencyUS", "GET", file, nil)
			wantError(t, status, out, 403, writ.EFORBIDDEN, "")
			f.Clock.Advance(2 * 24 * time.Hour)
			status, out = f.do(t, "agencyUS", "GET", file, nil)
			wantError(t, status, out, 410, writ.EGONE, "")
		})
	}
}

// The preview answers byte for byte the same for a held account, another
// tenant's account and an account nobody holds (issue 14's rule for
// intake, kept for the preview).
func TestPreviewIsNoAccountOracle(t *testing.T) {
	f := newAPIFixture(t)
	var first []byte
	for _, account := range []string{"joe@mail.example", "anna@beispiel.example", "nobody@nowhere.example"} {
		body := `{"instrument":"us_subpoena","issued_by":"other","data_categories":["content"],"accounts":["` + account + `"]}`
		status, out := f.do(t, "agencyUS", "POST", "/v1/demands/preview", []byte(body))
		if status != 200 || !bytes.Contains(out, []byte("CATEGORY_NOT_PERMITTED")) {
			t.Fatalf("%s: %d %s", account, status, out)
		}
		if first == nil {
			first = out
		} else if !bytes.Equal(out, first) {
			t.Fatalf("the preview for %s differs:\n%s\n%s", account, out, first)
		}
	}
}

// signature is the approver's signature of a certificate, with a code of
// their authenticator app at the clock's time (set up on first use).
func (f *apiFixture) signature(t *testing.T) string {
	t.Helper()
	if f.approverTOTP == "" {
		f.approverTOTP = f.WithTOTP(t, f.Approver)
	}
	code, err := identity.TOTPCode(f.approverTOTP, f.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(writ.CertificateSignature{Name: f.Approver.Name, Title: "Custodian of Records", Code: code})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sign signs the certificate of a demand's package over the API.
func (f *apiFixture) sign(t *testing.T, demandID int64) writ.Production {
	t.Helper()
	status, out := f.do(t, "approver", "POST", fmt.Sprintf("/v1/demands/%d/production/certificate/signature", demandID), []byte(f.signature(t)))
	if status != 200 {
		t.Fatalf("signature: %d %s", status, out)
	}
	var p writ.Production
	if err := json.Unmarshal(out, &p); err != nil || p.Certificate == nil || !p.Certificate.Signed || p.AvailableAt == nil {
		t.Fatalf("signed production %s (%v)", out, err)
	}
	return p
}

// The certificate of a US package: a reviewer, the agency and the
// approver with a wrong code or someone else's name cannot sign it; the
// approver signs with a fresh code of their authenticator app; the agency
// then downloads the signed certificate, whose SHA-256 the signature's
// event in the log binds; a used code does not sign twice.
func TestCertificateOverTheAPI(t *testing.T) {
	f := newAPIFixture(t)
	f.WithTOTP(t, f.AgencyUserUS)
	d := f.ApprovedEmergency(t)
	if _, err := f.Store.Produce(context.Background(), f.Reviewer, d.ID, storetest.SubscriberPackage("joe,+1 555 0111\n")); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/v1/demands/%d/production/certificate", d.ID)
	status, out := f.do(t, "agencyUS", "GET", path, nil)
	wantError(t, status, out, 404, writ.ENOTFOUND, "")
	status, out = f.do(t, "reviewer", "GET", path, nil)
	if status != 200 || !bytes.Contains(out, []byte(`"version": "writ.certificate/v1"`)) || !bytes.Contains(out, []byte(`"signature": null`)) {
		t.Fatalf("the legal team's draft: %d %s", status, out)
	}
	body := f.signature(t)
	for _, caller := range []string{"reviewer", "agencyUS", "admin"} {
		status, out = f.do(t, caller, "POST", path+"/signature", []byte(body))
		wantError(t, status, out, 403, writ.EFORBIDDEN, "")
	}
	status, out = f.do(t, "agencyDE", "POST", path+"/signature", []byte(body))
	wantError(t, status, out, 404, writ.ENOTFOUND, "")
	status, out = f.do(t, "approver", "POST", path+"/signature", []byte(`{"name":"Someone Else","title":"Custodian","code":"000000"}`))
	wantError(t, status, out, 400, writ.EINVALID, "name")
	status, out = f.do(t, "approver", "POST", path+"/signature", []byte(`{"name":"`+f.Approver.Name+`","title":"Custodian","code":"000000"}`))
	wantError(t, status, out, 400, writ.EINVALID, "code")
	p := f.sign(t, d.ID)
	status, out = f.do(t, "approver", "POST", path+"/signature", []byte(body))
	wantError(t, status, out, 409, writ.ECONFLICT, "")

	status, out = f.do(t, "agencyUS", "GET", path, nil)
	sum := sha256.Sum256(out)
	if status != 200 || hex.EncodeToString(sum[:]) != p.Certificate.SHA256 || !bytes.Contains(out, []byte(`"name": "`+f.Approver.Name+`"`)) {
		t.Fatalf("the agency's certificate: %d %s", status, out)
	}
	status, out = f.do(t, "agencyUS", "GET", path+".pdf", nil)
	if status != 200 || !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("the agency's PDF: %d %.100s", status, out)
	}
	for _, caller := range []string{"agencyDE", "customerCons"} {
		status, out = f.do(t, caller, "GET", path, nil)
		wantError(t, status, out, 404, writ.ENOTFOUND, "")
	}
	status, out = f.do(t, "auditor", "GET", fmt.Sprintf("/v1/demands/%d/events", d.ID), nil)
	if status != 200 || !bytes.Contains(out, []byte(`"production.certified"`)) || !bytes.Contains(out, []byte(p.Certificate.SHA256)) {
		t.Fatalf("the events do not bind the certificate: %d %s", status, out)
	}
}

// A demand becomes disclosed only through its package: typed counts are
// refused naming the field.
func TestTypedCountsDoNotDiscloseOverTheAPI(t *testing.T) {
	f := newAPIFixture(t)
	d := f.ApprovedEmergency(t)
	path := fmt.Sprintf("/v1/demands/%d/transitions", d.ID)
	status, out := f.do(t, "reviewer", "POST", path, []byte(`{"to":"disclosed","rationale":"produced","disclosure":{"categories":["subscriber"],"accounts":1,"records":3}}`))
	wantError(t, status, out, 400, writ.EINVALID, "disclosure")
	if !bytes.Contains(out, []byte("production package")) {
		t.Fatalf("the refusal does not say how: %s", out)
	}
}
