package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"writ"
	"writ/store/storetest"
)

// The assessment writ keeps for a stored demand, after intake and after a
// change, is exactly what "writ assess" prints for the same case.
func TestStoredAssessmentEqualsTheCommandLine(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	ctx := context.Background()
	in := storetest.Warrant("anna@beispiel.example")
	in.DataCategories = []string{"content", "traffic"}
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
	if err != nil {
		t.Fatal(err)
	}
	compare := func(stage string) {
		t.Helper()
		d, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		k := storetest.StoredCase(t, f.Store, d)
		caseJSON, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "case.json")
		if err := os.WriteFile(path, caseJSON, 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := execWrit(t, "", nil, "assess", path)
		if code != 0 {
			t.Fatalf("%s: writ assess exit %d: %s", stage, code, stderr)
		}
		stored, err := f.Store.Assessment(ctx, f.Auditor, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(stored, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(stdout), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: stored assessment\n%s\ndiffers from writ assess\n%s", stage, stored, stdout)
		}
	}
	compare("at intake")
	exception := "notice_jeopardizes_investigation"
	if _, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{CustomerFirstException: &exception,
		Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2028-01-31"}}); err != nil {
		t.Fatal(err)
	}
	compare("after a change")
}
