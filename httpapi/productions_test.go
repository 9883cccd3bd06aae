package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"testing"
	"time"

	"writ"
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
	p, err := f.Store.Produce(context.Background(), f.Reviewer, d.ID, storetest.SubscriberPackage("joe,+1 555 0111\n"))
	if err != nil {
		t.Fatal(err)
	}
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
