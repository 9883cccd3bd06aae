package rules

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// builtinFS copies the built-in rulebook into a map that tests may edit.
func builtinFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(embedded, "rulebook", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		m[strings.TrimPrefix(p, "rulebook/")] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// edit replaces the one occurrence of old in a file and returns the line
// where the replacement starts.
func edit(t *testing.T, m fstest.MapFS, name, old, new string) int {
	t.Helper()
	f := m[name]
	if f == nil {
		t.Fatalf("no file %s", name)
	}
	text := string(f.Data)
	if n := strings.Count(text, old); n != 1 {
		t.Fatalf("%s contains %q %d times, want once", name, old, n)
	}
	i := strings.Index(text, old)
	f.Data = []byte(text[:i] + new + text[i+len(old):])
	return strings.Count(text[:i], "\n") + 1
}

func TestDefaultRulebook(t *testing.T) {
	rb := defaultRulebook(t)
	if rb.Version() != "v2" {
		t.Errorf("version %q", rb.Version())
	}
	if got := len(rb.Instruments()); got != 17 {
		t.Errorf("%d instruments, want 17", got)
	}
	if got := strings.Join(rb.Categories(), " "); got != "subscriber identification traffic content" {
		t.Errorf("categories %q", got)
	}
	if len(rb.countries) != 249 || !rb.IsCountry("GB") || rb.IsCountry("UK") || rb.IsCountry("de") {
		t.Errorf("countries: %d, GB %v, UK %v", len(rb.countries), rb.IsCountry("GB"), rb.IsCountry("UK"))
	}
	if got := len(rb.lists["eea"]); got != 30 {
		t.Errorf("EEA has %d states, want 30", got)
	}
	if got := len(rb.lists["eevidence-issuing-states"]); got != 26 || rb.lists["eevidence-issuing-states"]["DK"] {
		t.Errorf("e-Evidence issuing states: %d, DK %v", got, rb.lists["eevidence-issuing-states"]["DK"])
	}
	for code := range rb.lists["eea"] {
		d, ok := rb.DPA(code)
		if !ok || d.Name == "" || d.Address == "" || d.Country != code {
			t.Errorf("DPA of %s: %+v", code, d)
		}
	}
	if _, ok := rb.DPA("US"); ok {
		t.Error("the US has no DPA in the rulebook")
	}
	if tr := rb.Transparency(); tr.Structure.Code != "a3" || tr.Structure.Band != 250 || tr.IncludeForeignNationalSecurity || rb.ObjectionWindow() != 7*24*time.Hour {
		t.Errorf("transparency %+v, objection window %v", tr, rb.ObjectionWindow())
	}
	// The 16 Länder, each with a checked note, and no other subdivision.
	laender := []string{"DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV", "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH"}
	for _, code := range laender {
		d, ok := rb.DPA(code)
		if !ok || d.Country != "DE" || d.Key != code || d.Name == "" || d.Address == "" || d.Checked == "" {
			t.Errorf("DPA of %s: %+v", code, d)
		}
	}
	if got := len(rb.dpas); got != 30+len(laender) {
		t.Errorf("the DPA directory has %d entries, want the 30 EEA states and the 16 Länder", got)
	}
	if d, _ := rb.DPA("DE-BY"); !strings.Contains(d.Name, "Landesamt für Datenschutzaufsicht") {
		t.Errorf("Bavaria's private bodies answer to the BayLDA, not %q", d.Name)
	}
}

func TestShow(t *testing.T) {
	var b strings.Builder
	if err := defaultRulebook(t).Show(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"rulebook v2", "us_subpoena", "eu_epoc ", "from 2026-08-18", "bands of 250 (a3, 50 U.S.C. 1874(a)(3))", "CA: subscriber", "==> eu.yaml <==", "==> lists/dpas.yaml <==", "eevidence-issuing-states (26)"} {
		if !strings.Contains(out, want) {
			t.Errorf("Show does not print %q", want)
		}
	}
}

// TestEditedRulebook shows that lawyers change conclusions by editing data.
func TestEditedRulebook(t *testing.T) {
	m := builtinFS(t)
	edit(t, m, "rulebook.yaml", "objection_window: 7 days", "objection_window: 10 days")
	edit(t, m, "lists/qualifying-foreign-governments.yaml", "include: [GB, AU]", "include: [CA]")
	rb, err := Load(m)
	if err != nil {
		t.Fatal(err)
	}

	c := baseCase()
	a := rb.Assess(c)
	if len(a.Deadlines) != 1 || a.Deadlines[0].Code != DeadlineEarliestDisclosure || !a.Deadlines[0].Due.Equal(received.Add(10*day)) {
		t.Errorf("deadlines %+v, want EARLIEST_DISCLOSURE after 10 days", a.Deadlines)
	}
	if !strings.Contains(a.Notice.Message, "10 days") || !strings.Contains(a.Deadlines[0].Message, "10 days") {
		t.Errorf("messages do not follow the setting: %q / %q", a.Notice.Message, a.Deadlines[0].Message)
	}

	c.Customer.HomeCountry, c.Customer.DataLocations = "GB", []string{"GB"}
	if a := rb.Assess(c); a.Comity.StatutoryMotion {
		t.Error("GB is no longer a qualifying foreign government, but the motion is available")
	}
	c.Customer.HomeCountry = "CA"
	if a := rb.Assess(c); !a.Comity.StatutoryMotion {
		t.Error("CA is now a qualifying foreign government, but the motion is not available")
	}
}

// TestLoadDir loads an edited copy of the rulebook from a directory.
func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	m := builtinFS(t)
	edit(t, m, "us.yaml", "    file_within: 14 days", "    file_within: 21 days")
	for name, f := range m {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rb, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := baseCase()
	c.Customer.HomeCountry = "AU"
	a := rb.Assess(c)
	found := false
	for _, d := range a.Deadlines {
		if d.Code == DeadlineComityMotion {
			found = d.Due.Equal(received.Add(21 * day))
		}
	}
	if !found {
		t.Errorf("deadlines %+v, want COMITY_MOTION after 21 days", a.Deadlines)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "rulebook.yaml") {
		t.Errorf("LoadDir of a missing folder: %v", err)
	}
}

// wholeFile marks a problem reported for a file, not a line.
const wholeFile = "(file)"

// TestBrokenRulebooks checks that each kind of mistake fails the load with
// the file and line of the mistake.
func TestBrokenRulebooks(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		old, new string
		// where is the text whose line the error must name; "" means the
		// line of the edit.
		where string
		want  string
	}{
		{"unknown key", "eu.yaml", "    preserve_only: true\n", "    preserve_only: true\n    colour: red\n", "colour: red", "unknown key \"colour\""},
		{"unknown key at the top", "rulebook.yaml", "version: v2\n", "version: v2\nrevision: 2\n", "revision: 2", "unknown key \"revision\""},
		{"unknown country code in an instrument", "uk.yaml", "authority_countries: [GB]", "authority_countries: [UK]", "", "unknown country code \"UK\""},
		{"unknown country code in a list", "lists/eu.yaml", "[AT, BE,", "[AT, XX, BE,", "", "unknown country code \"XX\""},
		{"unknown list", "conflicts.yaml", "authority_country_not_in: [eea]", "authority_country_not_in: [europe]", "", "\"europe\" is neither a country code, nor a list"},
		{"missing key", "us.yaml", "    citation: 18 U.S.C. 2703(c)(2)\n", "", "  - code: us_subpoena", "missing key \"citation\""},
		{"duplicate instrument", "uk.yaml", "  - code: uk_copo", "  - code: au_ipo", "", "instrument au_ipo is defined twice (first at au.yaml:7)"},
		{"duplicate key", "rulebook.yaml", "  home_country: US\n", "  home_country: US\n  home_country: GB\n", "  home_country: GB", "key \"home_country\" is given twice"},
		{"duplicate country in a list", "lists/qualifying-foreign-governments.yaml", "[GB, AU]", "[GB, AU, GB]", "", "GB is listed twice"},
		{"unknown category", "us.yaml", "compels: [subscriber]\n    national_security", "compels: [metadata]\n    national_security", "", "unknown category \"metadata\""},
		{"unknown issuer", "uk.yaml", "issued_by: [judge]", "issued_by: [magistrate]", "", "unknown issuer \"magistrate\""},
		{"unknown instrument named by a conflict", "conflicts.yaml", "[uk_copo, au_ipo]", "[uk_copo, au_ipo, us_letter]", "", "unknown instrument \"us_letter\""},
		{"preservation that compels", "us.yaml", "    preserve_only: true\n", "    preserve_only: true\n    compels: [content]\n", "compels: [content]", "preserves only, so it compels nothing"},
		{"DPA for a country outside the EEA", "lists/dpas.yaml", "authorities:\n", "authorities:\n  CH:\n    name: EDÖB\n    address: Feldeggweg 1, 3003 Bern\n", "  CH:", "CH is not in the list eea"},
		{"EEA country without DPA", "lists/dpas.yaml", "  AT:\n    name: Österreichische Datenschutzbehörde\n    email: dsb@dsb.gv.at\n    address: Barichgasse 40-42, 1030 Wien, Austria\n    website: https://www.dsb.gv.at\n", "", "for: eea", "AT is in the list eea but has no data protection authority"},
		{"representative outside the EEA", "rulebook.yaml", "eu_representative_country: IE", "eu_representative_country: CH", "", "provider.eu_representative_country CH is not in the list eea"},
		{"unknown placeholder", "conflicts.yaml", "data of this customer is in the EEA.", "data of this customer is in {region}.", "    message: >-\n      GDPR Art. 48", "unknown placeholder {region}"},
		{"bad period", "rulebook.yaml", "objection_window: 7 days", "objection_window: 1 week", "", "a period is counted in days or hours"},
		{"unknown deadline condition", "eu.yaml", "when: conflict", "when: sometimes", "", "unknown condition \"sometimes\""},
		{"list that includes itself", "lists/eea.yaml", "include: [eu, IS, LI, NO]", "include: [eea, IS, LI, NO]", "", "list eea includes itself"},
		{"YAML syntax error", "au.yaml", "    authority_countries: [AU]", "    authority_countries: [AU", "", "invalid YAML"},
		// The keys new in rulebook v2.
		{"a FISA instrument given an end", "us.yaml", "    no_sunset: true\n\n  - code: us_fisa_702_directive", "    no_sunset: true\n    in_force_until: 2026-04-20\n\n  - code: us_fisa_702_directive", "in_force_until: 2026-04-20", "never ends by date"},
		{"a bad in-force date", "uk.yaml", "in_force_from: 2022-10-03", "in_force_from: 3 October 2022", "", "not a date of the form YYYY-MM-DD"},
		{"an in-force window that ends before it begins", "au.yaml", "in_force_from: 2024-01-31\n", "in_force_from: 2024-01-31\n    in_force_until: 2023-12-31\n", "in_force_until: 2023-12-31", "in_force_until is before in_force_from"},
		{"an unknown time zone", "rulebook.yaml", "eu_representative_timezone: Europe/Dublin", "eu_representative_timezone: Europe/Atlantis", "", "not an IANA time zone"},
		{"an unknown requester kind", "us.yaml", "requester_kinds: [private_party]", "requester_kinds: [litigant]", "", "unknown requester kind \"litigant\""},
		{"an unknown band structure", "rulebook.yaml", "national_security_bands: a3", "national_security_bands: a5", "", "national_security_bands \"a5\" is none of the structures"},
		{"an unknown band period", "rulebook.yaml", "      period: half_year", "      period: quarter", "      citation: 50 U.S.C. 1874(a)(3)", "period must be one of"},
		{"an unknown figures value", "rulebook.yaml", "figures: combined\n      period: previous_year", "figures: mixed\n      period: previous_year", "", "figures must be combined or separate"},
		{"an unknown class", "rulebook.yaml", "us_nsl: nsl", "us_nsl: letters", "", "unknown class \"letters\""},
		{"a country profile that changes nothing", "international.yaml", "      CA:\n        compels: [subscriber]\n", "      CA:\n", "        source: >-\n          R v Spencer", "the entry for CA changes nothing"},
		{"a country profile without source", "international.yaml", "          identification.\n      BR:", "          identification.\n      MX:\n        compels: [subscriber]\n      BR:", "        compels: [subscriber]\n      BR:", "missing key \"source\""},
		{"a country period without source", "international.yaml", "          IN:\n            within: 72 hours\n", "          MX:\n            within: 24 hours\n          IN:\n            within: 72 hours\n", "            within: 24 hours", "missing key \"source\""},
		{"a deadline without any period", "us.yaml", "        within: 90 days\n        message: >-\n          Preserve the records", "        message: >-\n          Preserve the records", "      - code: PRESERVE_UNTIL\n        message: >-\n          Preserve the records", "missing key \"within\""},
		{"an unknown way of counting days", "eu.yaml", "        days_counted: enforcing_state_calendar\n        in_emergency: 96 hours", "        days_counted: lunar\n        in_emergency: 96 hours", "days_counted: lunar", "unknown days_counted \"lunar\""},
		{"a subdivision without checked", "lists/dpas.yaml", "    website: https://datenschutz-hamburg.de\n    checked:", "    website: https://datenschutz-hamburg.de\n    #checked:", "  DE-HH:", "needs checked"},
		{"a subdivision outside the EEA", "lists/dpas.yaml", "  DE-BW:", "  CH-ZH:\n    name: Datenschutzbeauftragte des Kantons Zürich\n    address: Zürich\n    checked: never\n  DE-BW:", "  CH-ZH:", "CH-ZH is not in the list eea"},
		{"an automatic exception recorded", "rulebook.yaml", "    customer_complicit: The customer", "    national_security: Secret.\n    customer_complicit: The customer", "    national_security: Secret.", "it applies by itself"},
		{"the automatic exceptions out of order", "rulebook.yaml", "  automatic_exceptions:\n    national_security: >-\n      National-security process binds the provider itself in secret (50 U.S.C. 1881a(i)(1)(A)) or\n      forbids telling anyone (18 U.S.C. 2709(c); 50 U.S.C. 1805(c)(2)(B)); redirecting the authority\n      to the customer would breach that secrecy.\n    emergency: The demand claims an emergency; there is no time to go to the customer first.\n", "  automatic_exceptions:\n    emergency: The demand claims an emergency; there is no time to go to the customer first.\n    national_security: >-\n      National-security process binds the provider itself in secret (50 U.S.C. 1881a(i)(1)(A)) or\n      forbids telling anyone (18 U.S.C. 2709(c); 50 U.S.C. 1805(c)(2)(B)); redirecting the authority\n      to the customer would breach that secrecy.\n", "    emergency: The demand claims", "reported in the order national_security, emergency"},
		{"missing message for a flag", "rulebook.yaml", "  EMERGENCY: The demand claims an emergency.\n", "", wholeFile, "no message for flag EMERGENCY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := builtinFS(t)
			line := edit(t, m, tt.file, tt.old, tt.new)
			if tt.where != "" && tt.where != wholeFile {
				line = strings.Count(string(m[tt.file].Data)[:strings.Index(string(m[tt.file].Data), tt.where)], "\n") + 1
			}
			rb, err := Load(m)
			if err == nil {
				t.Fatalf("loaded %v, want an error", rb.Version())
			}
			le, ok := err.(*LoadError)
			if !ok {
				t.Fatalf("error %T %v, want *LoadError", err, err)
			}
			wantPrefix := tt.file + ":" + strconv.Itoa(line) + ": "
			if tt.where == wholeFile {
				wantPrefix = tt.file + ": "
			}
			for _, p := range le.Problems {
				if strings.HasPrefix(p.String(), wantPrefix) && strings.Contains(p.String(), tt.want) {
					return
				}
			}
			t.Errorf("no problem %q%q among:\n%v", wantPrefix, tt.want, err)
		})
	}
}

func TestMissingFile(t *testing.T) {
	m := builtinFS(t)
	delete(m, "lists/countries.yaml")
	_, err := Load(m)
	if err == nil || !strings.Contains(err.Error(), "lists/countries.yaml: cannot read") {
		t.Errorf("error %v", err)
	}
}
