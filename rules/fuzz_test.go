package rules

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"writ"
)

// FuzzDecodeCase feeds the case decoder arbitrary bytes. It must never
// panic; every error must be an EINVALID *writ.Error; and a case it accepts
// must assess, marshal, and read back to the same assessment.
func FuzzDecodeCase(f *testing.F) {
	for _, pattern := range []string{"testdata/examples/*.case.json", "testdata/golden/*.case.json"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`{"demand":null}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"demand":{"received_at":"9999-12-31T23:59:59Z"}} {}`))
	rb := defaultRulebook(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := rb.DecodeCase(data)
		if err != nil {
			if writ.ErrorCode(err) != writ.EINVALID {
				t.Fatalf("error %v has code %s, want EINVALID", err, writ.ErrorCode(err))
			}
			return
		}
		a := rb.Assess(c)
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back Assessment
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("unmarshal: %v\n%s", err, out)
		}
		again, err := json.Marshal(back)
		if err != nil || string(again) != string(out) {
			t.Fatalf("assessment does not survive a round trip:\n%s\n%s", out, again)
		}
		// A decoded case written back as JSON decodes to the same assessment.
		caseJSON, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal case: %v", err)
		}
		c2, err := rb.DecodeCase(caseJSON)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", caseJSON, err)
		}
		if out2, _ := json.Marshal(rb.Assess(c2)); string(out2) != string(out) {
			t.Fatalf("re-decoded case assesses differently:\n%s\n%s", out, out2)
		}
	})
}
