package storetest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/rules"
	"writ/store"
)

// BandData is US national-security process over the half-years the band
// structures of 50 U.S.C. 1874(a) cover in the report of 2026-H2, with
// demands of national-security authorities that some structure must count
// and some none may. Demands name many accounts of one enterprise customer,
// so that the selectors' bands tell the half-years apart:
//
//	received  by                   instrument             asks       selectors
//	2026-H2   US national security us_nsl                 subscriber       300
//	2026-H2   US national security us_fisa_order          content          120
//	2026-H2   US national security us_subpoena (exact)    subscriber         1
//	2026-H2   GB national security us_fisa_702_directive  content          900
//	2026-H2   GB national security foreign_police_request subscriber         1
//	2025-H1   US national security us_fisa_order          content          600
//	2025-H1   US police            us_fisa_702_directive  content          500
//	2025-H1   US national security us_fisa_order          traffic           50
//	2025-H1   US national security us_nsl                 subscriber       700
//	2025-H1   GB national security us_fisa_702_directive  content          900
//	2025-H2   US national security us_fisa_702_directive  content          250
//
// Bands of the report of 2026-H2 computed after the half-year (demands,
// selectors), with the GB demands left out:
//
//	a1  NSLs 2026-H2 0-999, 0-999; contents 2025-H1 0-999, 1000-1999; non-contents 2025-H1 0-999, 0-999
//	a2  NSLs 2026-H2 0-499, 0-499; contents 2025-H1 0-499, 1000-1499; non-contents 2025-H1 0-499, 0-499
//	a3  2026-H2 0-249, 250-499
//	a4  2025 0-99, 2100-2199
type BandData struct {
	// NationalSecurity is the US national-security authority, Foreign the
	// GB one, Customer the enterprise customer whose accounts are named.
	NationalSecurity, Foreign writ.Agency
	Customer                  writ.Customer
	Demands                   map[string]writ.Demand
}

// BandsAfter is a time after 2026-H2 ended, at which its report gives
// bands.
var BandsAfter = time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)

// NewBandData fills the fixture with the band data set.
func NewBandData(t *testing.T, f *Fixture) *BandData {
	t.Helper()
	ctx := context.Background()
	d := &BandData{Demands: map[string]writ.Demand{}}
	var err error
	if d.NationalSecurity, err = f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "National Security Division", Country: "US",
		Kind: "national_security", Verified: true, Verification: "DOJ registry"}); err != nil {
		t.Fatal(err)
	}
	if d.Foreign, err = f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "Signals Intelligence", Country: "GB",
		Kind: "national_security", Verified: true, Verification: "embassy"}); err != nil {
		t.Fatal(err)
	}
	accounts := make([]string, 1000)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("user%04d@big.example", i)
	}
	if d.Customer, err = f.Store.CreateCustomer(ctx, writ.System(), store.CustomerInput{Name: "Big Co", Kind: "enterprise", HomeCountry: "US",
		LegalContact: "legal@big.example", KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}},
		Accounts: accounts}); err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month) time.Time { return time.Date(y, m, 10, 9, 0, 0, 0, time.UTC) }
	spec := func(name string, agency writ.Agency, instrument string, categories []string, selectors int, received time.Time, outcome string) ReportSpec {
		issuedBy := map[string]string{"us_fisa_order": "judge", "foreign_police_request": "police"}[instrument]
		if issuedBy == "" {
			issuedBy = "other"
		}
		return ReportSpec{Name: name, Agency: agency, Instrument: instrument, IssuedBy: issuedBy, Categories: categories,
			Accounts: accounts[:selectors], Received: received, Outcome: outcome}
	}
	nsd, gb := d.NationalSecurity, d.Foreign
	content, subscriber, traffic := []string{"content"}, []string{"subscriber"}, []string{"traffic"}
	open := string(writ.StateInReview)
	for _, s := range []ReportSpec{
		spec("nsl-2026", nsd, "us_nsl", subscriber, 300, at(2026, time.August), writ.OutcomeNonContentDisclosed),
		spec("fisa-contents-2026", nsd, "us_fisa_order", content, 120, at(2026, time.September), open),
		spec("subpoena-by-nsd-2026", nsd, "us_subpoena", subscriber, 1, at(2026, time.October), writ.OutcomeRejected),
		spec("gb-directive-2026", gb, "us_fisa_702_directive", content, 900, at(2026, time.August), open),
		spec("gb-request-2026", gb, "foreign_police_request", subscriber, 1, at(2026, time.August), writ.OutcomeRejected),
		spec("fisa-contents-2025-h1", nsd, "us_fisa_order", content, 600, at(2025, time.March), writ.OutcomeContentDisclosed),
		spec("directive-2025-h1", f.AgencyUS, "us_fisa_702_directive", content, 500, at(2025, time.April), open),
		spec("fisa-non-contents-2025-h1", nsd, "us_fisa_order", traffic, 50, at(2025, time.May), open),
		spec("nsl-2025-h1", nsd, "us_nsl", subscriber, 700, at(2025, time.June), open),
		spec("gb-directive-2025-h1", gb, "us_fisa_702_directive", content, 900, at(2025, time.February), open),
		spec("directive-2025-h2", nsd, "us_fisa_702_directive", content, 250, at(2025, time.November), open),
	} {
		d.Demands[s.Name] = MakeDemand(t, f, s)
	}
	return d
}

// RulebookWith loads a copy of the built-in rulebook, written to a new
// folder, with each old text of rulebook.yaml replaced by the new one that
// follows it, and returns it with the folder (for writ --rulebook).
func RulebookWith(t *testing.T, oldNew ...string) (*rules.Rulebook, string) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(here), "..", "..", "rules", "rulebook")
	dir := t.TempDir()
	err := fs.WalkDir(os.DirFS(src), ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			if err == nil {
				err = os.MkdirAll(filepath.Join(dir, path), 0o755)
			}
			return err
		}
		data, err := os.ReadFile(filepath.Join(src, path))
		if err != nil {
			return err
		}
		if path == "rulebook.yaml" {
			text := string(data)
			for i := 0; i+1 < len(oldNew); i += 2 {
				if !strings.Contains(text, oldNew[i]) {
					return fmt.Errorf("rulebook.yaml has no %q", oldNew[i])
				}
				text = strings.Replace(text, oldNew[i], oldNew[i+1], 1)
			}
			data = []byte(text)
		}
		return os.WriteFile(filepath.Join(dir, path), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := rules.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rb, dir
}
