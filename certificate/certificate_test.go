package certificate

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden certificates in testdata")

// A warrant's production of one mailbox, signed by the custodian: the
// certificate names the custodian, the demand, each file with its size and
// SHA-256, and makes the statements FRE 803(6)(A)-(C) and 902(11) require
// under penalty of perjury. The whole JSON is held to a golden file.
func TestCertificateOfAWarrantsProduction(t *testing.T) {
	if !Required("us_search_warrant") || Required("eu_epoc") || Required("us_preservation_2703f") {
		t.Fatal("a certificate goes with productions answering US legal process, and only those")
	}
	d := Demand{ID: 7, Reference: "SW-77", Agency: "FBI Field Office", AgencyCountry: "US", Instrument: "us_search_warrant",
		ReceivedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	files := []File{{Name: "joe-mailbox.mbox", Size: 82, SHA256: strings.Repeat("ab", 32)}}
	draft := Draft("Example Cloud", d, files, strings.Repeat("cd", 32))
	if draft.Signature != nil || !strings.Contains(draft.Statements[0], "I, ____") {
		t.Fatalf("a draft names no custodian: %q", draft.Statements[0])
	}
	c := draft.Signed(Signature{Name: "Avery Approver", Title: "Custodian of Records, Legal", Account: "approver@cloud.example",
		SignedAt: time.Date(2026, 11, 28, 10, 30, 0, 0, time.FixedZone("EST", -5*3600)), SecondFactor: "authenticator code"})
	all := strings.Join(c.Statements, "\n") + c.Attestation
	for _, want := range []string{"I, Avery Approver, am employed by Example Cloud as Custodian of Records, Legal",
		"a search warrant, reference SW-77, from FBI Field Office", "803(6)(A)", "803(6)(B)", "803(6)(C)", "902(11)",
		"at or near the time", "person with knowledge", "regularly conducted activity", "regular practice",
		"under penalty of perjury under the laws of the United States of America"} {
		if !strings.Contains(all, want) {
			t.Errorf("the certificate does not say %q", want)
		}
	}
	got, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden := "testdata/warrant-signed.json"
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
		t.Errorf("the certificate differs from %s (run with -update to accept)\n got: %s\nwant: %s", golden, got, want)
	}
}
