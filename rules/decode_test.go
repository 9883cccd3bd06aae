package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"writ"
)

// fullCase is the contract's input example: every field set.
const fullCase = `{
  "as_of": "2026-11-22T09:00:00Z",
  "demand": {
    "received_at": "2026-11-20T14:00:00Z",
    "channel": "portal",
    "authority": {"name": "Example County Sheriff", "country": "US", "kind": "law_enforcement", "verified": true},
    "instrument": "us_2703d_order",
    "issued_by": "judge",
    "validated_by": null,
    "offence_max_years": 5,
    "offence_listed": false,
    "offence_in_issuing_state": true,
    "data_categories": ["subscriber", "traffic"],
    "accounts": ["alice@example.com"],
    "due": "2026-12-04T00:00:00Z",
    "nondisclosure": {"basis": "18 U.S.C. 2705(b)", "until": "2027-05-20"},
    "emergency": {"justification": "…", "verified_by_callback": true},
    "customer_first_exception": "customer_complicit",
    "subject_residence": "DE",
    "subject_location": "DE",
    "subject_us_person": false,
    "data_locations_sought": ["DE"],
    "notice_permitted": false
  },
  "customer": {
    "kind": "enterprise",
    "home_country": "DE",
    "home_subdivision": "DE-BY",
    "us_person": false,
    "data_locations": ["DE", "IE"],
    "key_custody": "provider_managed",
    "legal_contact": "legal@customer.example"
  }
}`

// withField returns fullCase with the value at path (dot-separated) set
// to raw JSON, or removed when raw is "".
func withField(t *testing.T, path, raw string) []byte {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal([]byte(fullCase), &root); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	m := root
	for _, k := range keys[:len(keys)-1] {
		m = m[k].(map[string]any)
	}
	last := keys[len(keys)-1]
	if raw == "" {
		delete(m, last)
	} else {
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatal(err)
		}
		m[last] = v
	}
	out, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeFullCase(t *testing.T) {
	rb := defaultRulebook(t)
	c, err := rb.DecodeCase([]byte(fullCase))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Demand
	if c.AsOf == nil || d.Authority.Name != "Example County Sheriff" || !d.Authority.Verified || *d.OffenceMaxYears != 5 ||
		!*d.OffenceInIssuingState || d.Nondisclosure.Until.String() != "2027-05-20" || !d.Emergency.VerifiedByCallback ||
		d.ValidatedBy != "" || *c.Customer.USPerson || len(c.Customer.DataLocations) != 2 || d.Due.Format(contractTime) != "2026-12-04T00:00:00Z" {
		t.Errorf("decoded %+v", c)
	}
}

// TestDecodeNullIsAbsent checks that every optional field may be null or
// absent, with the same result.
func TestDecodeNullIsAbsent(t *testing.T) {
	rb := defaultRulebook(t)
	for _, path := range []string{
		"as_of", "demand.channel", "demand.authority.name", "demand.validated_by", "demand.offence_max_years",
		"demand.offence_listed", "demand.offence_in_issuing_state", "demand.due", "demand.nondisclosure",
		"demand.emergency", "demand.customer_first_exception", "demand.subject_residence",
		"customer.us_person", "customer.legal_contact", "demand.nondisclosure.until", "demand.nondisclosure.basis",
		"demand.emergency.justification", "demand.emergency.verified_by_callback",
	} {
		null, err := rb.DecodeCase(withField(t, path, "null"))
		if err != nil {
			t.Errorf("%s null: %v", path, err)
			continue
		}
		absent, err := rb.DecodeCase(withField(t, path, ""))
		if err != nil {
			t.Errorf("%s absent: %v", path, err)
			continue
		}
		a, b := marshalIndent(t, rb.Assess(null)), marshalIndent(t, rb.Assess(absent))
		if string(a) != string(b) {
			t.Errorf("%s: null and absent assess differently", path)
		}
	}
	c, err := rb.DecodeCase(withField(t, "demand.nondisclosure.until", "null"))
	if err != nil || c.Demand.Nondisclosure == nil || c.Demand.Nondisclosure.Until != nil {
		t.Errorf("an order with until null is indefinite: %+v %v", c.Demand.Nondisclosure, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	rb := defaultRulebook(t)
	tests := []struct {
		name  string
		input []byte
		field string
		want  string
	}{
		{"unknown field at the top", withField(t, "colour", `"red"`), "colour", "unknown field"},
		{"unknown field in the demand", withField(t, "demand.instrumnet", `"x"`), "demand.instrumnet", "unknown field"},
		{"unknown field in the authority", withField(t, "demand.authority.verfied", `true`), "demand.authority.verfied", "unknown field"},
		{"unknown field in the customer", withField(t, "customer.tenant", `"t1"`), "customer.tenant", "unknown field"},
		{"unknown field in the order", withField(t, "demand.nondisclosure.reason", `"x"`), "demand.nondisclosure.reason", "unknown field"},
		{"unknown instrument", withField(t, "demand.instrument", `"us_letter"`), "demand.instrument", `unknown code "us_letter"`},
		{"unknown issuer", withField(t, "demand.issued_by", `"sheriff"`), "demand.issued_by", `unknown code "sheriff"`},
		{"unknown validator", withField(t, "demand.validated_by", `"police"`), "demand.validated_by", `unknown code "police"`},
		{"unknown category", withField(t, "demand.data_categories", `["subscriber", "metadata"]`), "demand.data_categories[1]", `unknown code "metadata"`},
		{"unknown authority kind", withField(t, "demand.authority.kind", `"army"`), "demand.authority.kind", "unknown code"},
		{"unknown channel", withField(t, "demand.channel", `"fax"`), "demand.channel", "unknown code"},
		{"unknown exception", withField(t, "demand.customer_first_exception", `"bored"`), "demand.customer_first_exception", "unknown code"},
		{"unknown customer kind", withField(t, "customer.kind", `"startup"`), "customer.kind", "unknown code"},
		{"unknown key custody", withField(t, "customer.key_custody", `"hsm"`), "customer.key_custody", "unknown code"},
		{"bad authority country", withField(t, "demand.authority.country", `"UK"`), "demand.authority.country", `unknown country code "UK"`},
		{"lower-case country", withField(t, "customer.home_country", `"de"`), "customer.home_country", "unknown country code"},
		{"bad data location", withField(t, "customer.data_locations", `["EU"]`), "customer.data_locations[0]", "unknown country code"},
		{"bad subject residence", withField(t, "demand.subject_residence", `"XX"`), "demand.subject_residence", "unknown country code"},
		{"bad date", withField(t, "demand.nondisclosure.until", `"2027-13-01"`), "demand.nondisclosure.until", "YYYY-MM-DD"},
		{"date with time", withField(t, "demand.nondisclosure.until", `"2027-05-20T00:00:00Z"`), "demand.nondisclosure.until", "YYYY-MM-DD"},
		{"bad time", withField(t, "demand.received_at", `"yesterday"`), "demand.received_at", "RFC 3339"},
		{"time without zone", withField(t, "demand.due", `"2026-12-04T00:00:00"`), "demand.due", "RFC 3339"},
		{"bad as_of", withField(t, "as_of", `5`), "as_of", "RFC 3339"},
		{"missing received_at", withField(t, "demand.received_at", ""), "demand.received_at", "is required"},
		{"missing instrument", withField(t, "demand.instrument", ""), "demand.instrument", "is required"},
		{"null instrument", withField(t, "demand.instrument", "null"), "demand.instrument", "is required"},
		{"empty instrument", withField(t, "demand.instrument", `""`), "demand.instrument", "is required"},
		{"missing verified", withField(t, "demand.authority.verified", ""), "demand.authority.verified", "is required"},
		{"missing accounts", withField(t, "demand.accounts", ""), "demand.accounts", "is required"},
		{"missing data categories", withField(t, "demand.data_categories", ""), "demand.data_categories", "is required"},
		{"missing customer", withField(t, "customer", ""), "customer", "is required"},
		{"missing key custody", withField(t, "customer.key_custody", ""), "customer.key_custody", "is required"},
		{"no data location", withField(t, "customer.data_locations", `[]`), "customer.data_locations", "at least one"},
		{"empty account", withField(t, "demand.accounts", `["a", " "]`), "demand.accounts[1]", "must not be empty"},
		{"account not a string", withField(t, "demand.accounts", `["a", 7]`), "demand.accounts[1]", "must be a string"},
		{"categories not a list", withField(t, "demand.data_categories", `"content"`), "demand.data_categories", "list of strings"},
		{"verified not a boolean", withField(t, "demand.authority.verified", `"yes"`), "demand.authority.verified", "true or false"},
		{"offence years not a number", withField(t, "demand.offence_max_years", `"five"`), "demand.offence_max_years", "number"},
		{"negative offence years", withField(t, "demand.offence_max_years", `-1`), "demand.offence_max_years", "negative"},
		{"demand not an object", withField(t, "demand", `[]`), "demand", "must be an object"},
		{"emergency not an object", withField(t, "demand.emergency", `true`), "demand.emergency", "must be an object"},
		{"trailing data", []byte(fullCase + "\n{}"), "", "line 35, column 1: unexpected data after the case"},

		// The fields new in rulebook v2.
		{"misspelt subject_location", withField(t, "demand.subject_locaton", `"DE"`), "demand.subject_locaton", "unknown field"},
		{"bad subject location", withField(t, "demand.subject_location", `"EU"`), "demand.subject_location", "unknown country code"},
		{"subject location not a string", withField(t, "demand.subject_location", `["DE"]`), "demand.subject_location", "must be a string"},
		{"data locations sought not a list", withField(t, "demand.data_locations_sought", `"DE"`), "demand.data_locations_sought", "list of strings"},
		{"data locations sought empty", withField(t, "demand.data_locations_sought", `[]`), "demand.data_locations_sought", "at least one"},
		{"data location sought unknown", withField(t, "demand.data_locations_sought", `["DE", "XX"]`), "demand.data_locations_sought[1]", "unknown country code"},
		{"data location sought not the customer's", withField(t, "demand.data_locations_sought", `["DE", "FR"]`), "demand.data_locations_sought[1]", "not one of the customer's data locations"},
		{"data location sought not a string", withField(t, "demand.data_locations_sought", `[1]`), "demand.data_locations_sought[0]", "must be a string"},
		{"home subdivision malformed", withField(t, "customer.home_subdivision", `"Bavaria"`), "customer.home_subdivision", "ISO 3166-2"},
		{"home subdivision lower case", withField(t, "customer.home_subdivision", `"de-by"`), "customer.home_subdivision", "ISO 3166-2"},
		{"home subdivision too long", withField(t, "customer.home_subdivision", `"DE-BAVA"`), "customer.home_subdivision", "ISO 3166-2"},
		{"home subdivision of another country", withField(t, "customer.home_subdivision", `"FR-IDF"`), "customer.home_subdivision", "not a subdivision of the customer's home country DE"},
		{"home subdivision not a string", withField(t, "customer.home_subdivision", `7`), "customer.home_subdivision", "must be a string"},
		{"notice_permitted as a string", withField(t, "demand.notice_permitted", `"true"`), "demand.notice_permitted", "true or false"},
		{"notice_permitted as a number", withField(t, "demand.notice_permitted", `1`), "demand.notice_permitted", "true or false"},
		{"notice_permitted as a list", withField(t, "demand.notice_permitted", `[true]`), "demand.notice_permitted", "true or false"},
		{"subject_us_person as a string", withField(t, "demand.subject_us_person", `"false"`), "demand.subject_us_person", "true or false"},
		{"subject_us_person as a number", withField(t, "demand.subject_us_person", `0`), "demand.subject_us_person", "true or false"},
		{"unknown requester kind", withField(t, "demand.authority.kind", `"litigant"`), "demand.authority.kind", `unknown code "litigant"`},
		{"unknown key custody (v1 spelling of the idea)", withField(t, "customer.key_custody", `"byok"`), "customer.key_custody", "unknown code"},
		{"national_security recorded as an exception", withField(t, "demand.customer_first_exception", `"national_security"`), "demand.customer_first_exception", "applies by itself"},
		{"emergency recorded as an exception", withField(t, "demand.customer_first_exception", `"emergency"`), "demand.customer_first_exception", "applies by itself"},
		{"unknown instrument of v2's spelling", withField(t, "demand.instrument", `"us_civil_subpoena_x"`), "demand.instrument", "unknown code"},
		{"syntax error", []byte("{\n  \"demand\": {,\n}"), "", "invalid JSON at line 2, column 14"},
		{"empty input", []byte(""), "", "the input is empty"},
		{"truncated input", []byte(fullCase[:100]), "", "ends in the middle"},
		{"not an object", []byte(`"case"`), "", "the case must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rb.DecodeCase(tt.input)
			if err == nil {
				t.Fatalf("decoded %s", tt.input)
			}
			if writ.ErrorCode(err) != writ.EINVALID {
				t.Errorf("code %s, want EINVALID", writ.ErrorCode(err))
			}
			if got := writ.ErrorField(err); got != tt.field {
				t.Errorf("field %q, want %q (%v)", got, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

// TestValidateBuiltCase checks Validate on a case built in Go: empty
// accounts and categories are conclusions (NO_TARGET), not bad input.
func TestDecodeV2Fields(t *testing.T) {
	rb := defaultRulebook(t)
	c, err := rb.DecodeCase([]byte(fullCase))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Demand
	if d.SubjectLocation != "DE" || d.SubjectUSPerson == nil || *d.SubjectUSPerson || d.NoticePermitted ||
		len(d.DataLocationsSought) != 1 || d.DataLocationsSought[0] != "DE" || c.Customer.HomeSubdivision != "DE-BY" {
		t.Errorf("decoded %+v / %+v", d, c.Customer)
	}
	// Null and absent mean the same: unknown, every location, not permitted.
	for _, field := range []string{"demand.subject_location", "demand.subject_us_person", "demand.data_locations_sought", "demand.notice_permitted", "customer.home_subdivision"} {
		for _, raw := range []string{"", "null"} {
			c, err := rb.DecodeCase(withField(t, field, raw))
			if err != nil {
				t.Fatalf("%s %q: %v", field, raw, err)
			}
			d := c.Demand
			if d.SubjectLocation == "" && d.SubjectUSPerson == nil && d.DataLocationsSought == nil && !d.NoticePermitted && c.Customer.HomeSubdivision == "" {
				continue
			}
			switch field {
			case "demand.subject_location":
				if d.SubjectLocation != "" {
					t.Errorf("%s %q read as %q", field, raw, d.SubjectLocation)
				}
			case "demand.subject_us_person":
				if d.SubjectUSPerson != nil {
					t.Errorf("%s %q read as %v", field, raw, *d.SubjectUSPerson)
				}
			case "demand.data_locations_sought":
				if d.DataLocationsSought != nil {
					t.Errorf("%s %q read as %v", field, raw, d.DataLocationsSought)
				}
			case "customer.home_subdivision":
				if c.Customer.HomeSubdivision != "" {
					t.Errorf("%s %q read as %q", field, raw, c.Customer.HomeSubdivision)
				}
			}
		}
	}
	// A well-formed subdivision the directory does not list is valid.
	if _, err := rb.DecodeCase(withField(t, "customer.home_subdivision", `"DE-XX"`)); err != nil {
		t.Errorf("DE-XX: %v", err)
	}
	// Duplicates in the locations sought are allowed and count once.
	if _, err := rb.DecodeCase(withField(t, "demand.data_locations_sought", `["DE", "DE", "IE"]`)); err != nil {
		t.Errorf("duplicates: %v", err)
	}
}

func TestValidateBuiltCase(t *testing.T) {
	rb := defaultRulebook(t)
	c := baseCase()
	c.Demand.Accounts, c.Demand.DataCategories = nil, nil
	if err := rb.Validate(&c); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	c.Customer.DataLocations = nil
	if err := rb.Validate(&c); writ.ErrorField(err) != "customer.data_locations" {
		t.Errorf("Validate without data locations: %v", err)
	}
	c = baseCase()
	c.Demand.ReceivedAt = time.Time{}
	if err := rb.Validate(&c); writ.ErrorField(err) != "demand.received_at" {
		t.Errorf("Validate without received_at: %v", err)
	}
}
