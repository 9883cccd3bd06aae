//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAssessContractRefusesTheSameInputAlike sends invalid uses of every
// input field new in rulebook v2 to both doors of the assessment contract:
// "writ assess FILE" must exit 2 with "writ: error: FIELD: MESSAGE", and
// POST /v1/assess must answer 400 EINVALID naming the same field with the
// same message.
func TestAssessContractRefusesTheSameInputAlike(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "writ.db")
	tokens := loadDemo(t, db)
	srv := startServer(t, db, filepath.Join(dir, "log.key"))
	c := newClient(t)

	base, err := os.ReadFile("../rules/testdata/examples/us-warrant-region-scoped-customer-held-keys.case.json")
	if err != nil {
		t.Fatal(err)
	}
	set := func(path, raw string) []byte {
		var root map[string]any
		if err := json.Unmarshal(base, &root); err != nil {
			t.Fatal(err)
		}
		keys := strings.Split(path, ".")
		m := root
		for _, k := range keys[:len(keys)-1] {
			m = m[k].(map[string]any)
		}
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		m[keys[len(keys)-1]] = v
		out, err := json.Marshal(root)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tt := range []struct {
		name, path, raw, field string
	}{
		{"subject_location misspelt", "demand.subject_locaton", `"DE"`, "demand.subject_locaton"},
		{"subject_location not a country", "demand.subject_location", `"EU"`, "demand.subject_location"},
		{"subject_residence not a country", "demand.subject_residence", `"XK"`, "demand.subject_residence"},
		{"data_locations_sought not a list", "demand.data_locations_sought", `"DE"`, "demand.data_locations_sought"},
		{"data_locations_sought empty", "demand.data_locations_sought", `[]`, "demand.data_locations_sought"},
		{"data_locations_sought outside the customer's", "demand.data_locations_sought", `["DE", "FR"]`, "demand.data_locations_sought[1]"},
		{"data_locations_sought unknown", "demand.data_locations_sought", `["UK"]`, "demand.data_locations_sought[0]"},
		{"home_subdivision malformed", "customer.home_subdivision", `"Bayern"`, "customer.home_subdivision"},
		{"home_subdivision of another country", "customer.home_subdivision", `"AT-9"`, "customer.home_subdivision"},
		{"notice_permitted a string", "demand.notice_permitted", `"true"`, "demand.notice_permitted"},
		{"notice_permitted a number", "demand.notice_permitted", `1`, "demand.notice_permitted"},
		{"subject_us_person a list", "demand.subject_us_person", `[true]`, "demand.subject_us_person"},
		{"authority kind unknown", "demand.authority.kind", `"litigant"`, "demand.authority.kind"},
		{"key custody unknown", "customer.key_custody", `"byok"`, "customer.key_custody"},
		{"national_security recorded", "demand.customer_first_exception", `"national_security"`, "demand.customer_first_exception"},
		{"instrument unknown", "demand.instrument", `"us_civil_subpoena_v2"`, "demand.instrument"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := set(tt.path, tt.raw)
			file := filepath.Join(t.TempDir(), "case.json")
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(writBin, "assess", file)
			cmd.Env = writEnv()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != 2 || stdout.Len() != 0 {
				t.Fatalf("writ assess: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
			}
			line := strings.TrimSpace(strings.SplitN(stderr.String(), "\n", 2)[0])
			cliMessage, ok := strings.CutPrefix(line, "writ: error: "+tt.field+": ")
			if !ok {
				t.Fatalf("writ assess: %q does not name %s", line, tt.field)
			}

			// Raw: the body is the bad input the CLI refused, which the
			// generated client's types could not carry.
			r, err := c.do("POST", srv.url+"/v1/assess", tokens["reviewer"], body, "")
			if err != nil {
				t.Fatal(err)
			}
			var answer struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			if err := json.Unmarshal(r.body, &answer); err != nil || r.status != http.StatusBadRequest {
				t.Fatalf("POST /v1/assess: %d %s", r.status, short(r.body))
			}
			if answer.Error.Code != "EINVALID" || answer.Error.Field != tt.field || answer.Error.Message != cliMessage {
				t.Errorf("POST /v1/assess: %+v, want EINVALID on %s saying %q", answer.Error, tt.field, cliMessage)
			}
		})
	}
}
