package eevidence

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"writ/rules"
)

var update = flag.Bool("update", false, "rewrite the golden drafts in testdata")

// A prosecutor's EPOC for subscriber data and content: content needs a
// judge (JUDGE_REQUIRED). The draft ticks exactly the grounds the
// assessment's findings call for and carries its deadlines; the whole JSON
// is held to a golden file.
func TestAnnexIIIForJudgeRequired(t *testing.T) {
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	input, err := os.ReadFile("testdata/epoc-prosecutor-content.case.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := rb.DecodeCase(input)
	if err != nil {
		t.Fatal(err)
	}
	a := rb.Assess(c)
	if !NeedsAnnex("eu_epoc", a) {
		t.Fatalf("the assessment %+v calls for no Annex III", a)
	}
	o := Order{DemandID: 12, Kind: "eu_epoc", Reference: "StA-2026-0815", IssuingState: "DE", IssuingAuthority: "Staatsanwaltschaft Berlin",
		IssuedBy: "prosecutor", ReceivedAt: time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC), DataCategories: []string{"subscriber", "content"}}
	d, err := DraftAnnexIII(o, a, []string{"en", "de"})
	if err != nil {
		t.Fatal(err)
	}
	// The assessment finds JUDGE_REQUIRED and, the provider being a US
	// one, the Stored Communications Act's bar on disclosing content to a
	// foreign government: the Article 4 ground and the Article 17 ground.
	var codes []string
	for _, def := range a.Deficiencies {
		codes = append(codes, def.Code)
	}
	for _, c := range a.Conflicts {
		codes = append(codes, c.Code)
	}
	if !slices.Equal(codes, []string{"JUDGE_REQUIRED", "US_SCA_2702A"}) {
		t.Fatalf("the assessment found %v", codes)
	}
	ticked := map[string][]string{}
	for _, g := range d.Grounds {
		if g.Ticked {
			ticked[g.Code] = g.Because
		}
	}
	wantTicked := map[string][]string{"NOT_ISSUED_PER_ARTICLE_4": {"JUDGE_REQUIRED"}, "CONFLICTING_OBLIGATIONS": {"US_SCA_2702A"}}
	if fmt.Sprint(ticked) != fmt.Sprint(wantTicked) {
		t.Errorf("ticked %v, want %v", ticked, wantTicked)
	}
	if d.Execution != "none" || len(d.Producible) != 0 {
		t.Errorf("execution %s, producible %v", d.Execution, d.Producible)
	}
	if len(d.Deadlines) != len(a.Deadlines) || len(a.Deadlines) == 0 {
		t.Fatalf("deadlines %v, the assessment's %v", d.Deadlines, a.Deadlines)
	}
	for i, dl := range a.Deadlines {
		if d.Deadlines[i].Code != dl.Code || !d.Deadlines[i].Due.Equal(dl.Due) {
			t.Errorf("deadline %d: %+v, the assessment's %+v", i, d.Deadlines[i], dl)
		}
	}
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := "testdata/annex3-judge-required.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the draft differs from %s (run with -update to accept)\n got: %s\nwant: %s", golden, got, want)
	}
	var pdf bytes.Buffer
	if err := WritePDF(&pdf, d); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-1.4")) || !bytes.Contains(pdf.Bytes(), []byte("[X] Art. 4")) {
		t.Fatalf("the PDF: %v\n%.400s", err, pdf.Bytes())
	}
}
