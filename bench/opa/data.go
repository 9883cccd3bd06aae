package main

// The rulebook as OPA's data document.
//
// The data comes from the very rulebook writ loaded: Rulebook.Show prints the
// text of every file it read, and Rulebook.Digest (a SHA-256 of those names
// and texts) proves that the text recovered here is exactly that text. The
// YAML is then read with go.yaml.in/yaml/v3 and converted the way writ's own
// compiler reads it (rules/compile.go): lists of countries are expanded (Rego
// has no recursion), sets of countries become objects {"DE": true} so that
// the policy looks a country up instead of searching a list, and periods
// ("7 days", "48 hours"; a day is 24 hours) become nanoseconds. Dates
// (in_force_from, in_force_until) and the enforcing state's time zone
// (Europe/Dublin) stay as written: the policy does its own calendar
// arithmetic with OPA's time functions. Finally the
// document is checked against everything writ's rules package exports about
// the rulebook, so that a misreading here fails loudly before any case is
// assessed.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"writ/rules"
)

// rulebookData is the data document data.writ.rulebook. Its keys follow the
// rulebook's YAML (rules/rulebook/*.yaml); what differs is said beside the
// field. policy/assess.rego says how the policy reads it.
type rulebookData struct {
	Version           string                    `json:"version"`
	Provider          providerData              `json:"provider"`
	Categories        []string                  `json:"categories"`
	Issuers           []string                  `json:"issuers"`
	Validators        []string                  `json:"validators"`
	Requesters        requestersData            `json:"requesters"`
	Policy            policyData                `json:"policy"`
	Transparency      transparencyData          `json:"transparency"`
	CustomerFirst     customerFirstData         `json:"customer_first"`
	NotifyAuthorities notifyData                `json:"notify_authorities"`
	Instruments       map[string]instrumentData `json:"instruments"`
	Conflicts         []conflictData            `json:"conflicts"`
	OnConflict        onConflictData            `json:"on_conflict"`
	Comity            comityData                `json:"comity"`
	USPersons         usPersonsData             `json:"us_persons"`
	// DPAs is the directory of data protection authorities by key: an ISO
	// 3166-1 code, or the ISO 3166-2 code of a subdivision (DE-BY).
	DPAs      map[string]dpaData `json:"dpas"`
	Countries countrySet         `json:"countries"`
}

// countrySet is a set of country codes, written as an object whose keys are
// the members.
type countrySet map[string]bool

func (s countrySet) sorted() []string { return slices.Sorted(maps.Keys(s)) }

type providerData struct {
	HomeCountry             string `yaml:"home_country" json:"home_country"`
	EURepresentativeCountry string `yaml:"eu_representative_country" json:"eu_representative_country"`
	// EURepresentativeTimezone is the IANA name of the enforcing state's
	// clock (Europe/Dublin), which OPA's time functions take as written.
	EURepresentativeTimezone string `yaml:"eu_representative_timezone" json:"eu_representative_timezone"`
}

type requestersData struct {
	DefaultKinds   []string `yaml:"default_kinds" json:"default_kinds"`
	EmergencyKinds []string `yaml:"emergency_kinds" json:"emergency_kinds"`
}

type policyData struct {
	ObjectionWindowNS   int64 `json:"objection_window_ns"`
	LongNDOAfterNS      int64 `json:"long_ndo_after_ns"`
	NoticeReviewHourUTC int   `json:"notice_review_hour_utc"`
}

// transparencyData is rulebook.yaml's transparency section (rulebook.md
// §9): the structure of 50 U.S.C. 1874(a) the report uses, the four
// structures, and how each instrument of US national-security process is
// classified.
type transparencyData struct {
	NationalSecurityBands          string                   `yaml:"national_security_bands" json:"national_security_bands"`
	IncludeForeignNationalSecurity bool                     `yaml:"include_foreign_national_security" json:"include_foreign_national_security"`
	Classes                        map[string]string        `yaml:"classes" json:"classes"`
	Structures                     map[string]structureData `yaml:"structures" json:"structures"`
}

// structureData is one structure of 1874(a); Period is given for combined
// figures, NSLPeriod and FISAPeriod for separate ones.
type structureData struct {
	Citation   string `yaml:"citation" json:"citation"`
	Band       int    `yaml:"band" json:"band"`
	Figures    string `yaml:"figures" json:"figures"`
	Period     string `yaml:"period" json:"period,omitempty"`
	NSLPeriod  string `yaml:"nsl_period" json:"nsl_period,omitempty"`
	FISAPeriod string `yaml:"fisa_period" json:"fisa_period,omitempty"`
}

type customerFirstData struct {
	CustomerKinds []string `json:"customer_kinds"`
	Exceptions    []string `json:"exceptions"`
}

type notifyData struct {
	DPA struct {
		Conflicts           []string `yaml:"conflicts" json:"conflicts"`
		Routes              []string `yaml:"routes" json:"routes"`
		UnlessNotice        []string `yaml:"unless_notice" json:"unless_notice"`
		SubdivisionForKinds []string `yaml:"subdivision_for_kinds" json:"subdivision_for_kinds"`
	} `yaml:"DPA" json:"DPA"`
}

type instrumentData struct {
	Name               string     `json:"name"`
	Citation           string     `json:"citation"`
	AuthorityCountries countrySet `json:"authority_countries"`
	// RequesterKinds is absent when the YAML does not give it: the
	// instrument is then for requesters.default_kinds.
	RequesterKinds *[]string `json:"requester_kinds,omitempty"`
	// IssuedBy is "anyone" or the list of issuers; absent for an EU order,
	// which has EffectiveIssuer instead.
	IssuedBy        any                  `json:"issued_by,omitempty"`
	EffectiveIssuer *effectiveIssuerData `json:"effective_issuer,omitempty"`
	// InForceFrom and InForceUntil are the first and last day in force
	// (YYYY-MM-DD), absent when unbounded.
	InForceFrom                string    `json:"in_force_from,omitempty"`
	InForceUntil               string    `json:"in_force_until,omitempty"`
	Compels                    []string  `json:"compels"`
	CompelsInVerifiedEmergency *[]string `json:"compels_in_verified_emergency,omitempty"`
	// ByAuthorityCountry is what a requesting country's law changes; a
	// list the YAML does not give is absent.
	ByAuthorityCountry    map[string]profileData `json:"by_authority_country,omitempty"`
	PreserveOnly          bool                   `json:"preserve_only"`
	PreserveUntilProduced bool                   `json:"preserve_until_produced"`
	Confidential          bool                   `json:"confidential"`
	NationalSecurity      bool                   `json:"national_security"`
	ClaimsEmergency       bool                   `json:"claims_emergency"`
	ExcludesUSPersons     bool                   `json:"excludes_us_persons"`
	// SeriousCrimeMinMaxYears is absent when the instrument has no such
	// threshold.
	SeriousCrimeMinMaxYears *float64          `json:"serious_crime_min_max_years,omitempty"`
	OffenceThreshold        *offenceThreshold `json:"offence_threshold,omitempty"`
	// EnforcingAuthorityNotification lists the categories for which an EU
	// order needs the enforcing authority told (Art. 8).
	EnforcingAuthorityNotification *notification  `json:"enforcing_authority_notification,omitempty"`
	Deadlines                      []deadlineData `json:"deadlines"`
}

// offenceThreshold and notification read the same in YAML and JSON.
type offenceThreshold struct {
	Categories  []string `yaml:"categories" json:"categories"`
	MinMaxYears float64  `yaml:"min_max_years" json:"min_max_years"`
}

type notification struct {
	Categories []string `yaml:"categories" json:"categories"`
}

type profileData struct {
	Compels                    *[]string `json:"compels,omitempty"`
	CompelsInVerifiedEmergency *[]string `json:"compels_in_verified_emergency,omitempty"`
}

type effectiveIssuerData struct {
	Ranked  []string            `json:"ranked"`
	Compels map[string][]string `json:"compels"`
	// EmergencyWithoutValidation is absent when the YAML does not give it.
	EmergencyWithoutValidation *[]string `json:"emergency_without_validation,omitempty"`
}

// deadlineData is one of an instrument's deadlines. WithinNS is absent
// when only some countries have a period (ByAuthorityCountryNS).
type deadlineData struct {
	Code                 string           `json:"code"`
	When                 string           `json:"when"`
	WithinNS             *int64           `json:"within_ns,omitempty"`
	DaysCounted          string           `json:"days_counted,omitempty"`
	InEmergencyNS        *int64           `json:"in_emergency_ns,omitempty"`
	NotAfterDue          bool             `json:"not_after_due"`
	ByAuthorityCountryNS map[string]int64 `json:"by_authority_country_ns,omitempty"`
}

// conflictData is one conflict of law; a condition is absent when the YAML
// does not give it (and then cannot fail).
type conflictData struct {
	Code string `json:"code"`
	When struct {
		AuthorityCountryIn                  *countrySet `json:"authority_country_in,omitempty"`
		AuthorityCountryNotIn               *countrySet `json:"authority_country_not_in,omitempty"`
		DataSoughtIn                        *countrySet `json:"data_sought_in,omitempty"`
		CustomerHomeIn                      *countrySet `json:"customer_home_in,omitempty"`
		DataSoughtOrCustomerHomeIn          *countrySet `json:"data_sought_or_customer_home_in,omitempty"`
		CustomerKindNotIn                   *[]string   `json:"customer_kind_not_in,omitempty"`
		CategoriesAsked                     *[]string   `json:"categories_asked,omitempty"`
		InstrumentNotIn                     *[]string   `json:"instrument_not_in,omitempty"`
		UnlessSufficientInstrumentIn        *[]string   `json:"unless_sufficient_instrument_in,omitempty"`
		UnlessVerifiedEmergencyInstrumentIn *[]string   `json:"unless_verified_emergency_instrument_in,omitempty"`
	} `json:"when"`
}

type onConflictData struct {
	Decline struct {
		Instruments []string `json:"instruments"`
	} `json:"decline"`
	Challenge struct {
		AuthorityCountries countrySet `json:"authority_countries"`
		Instruments        []string   `json:"instruments"`
	} `json:"challenge"`
}

type comityData struct {
	StatutoryMotion struct {
		Instruments           []string   `json:"instruments"`
		AuthorityCountries    countrySet `json:"authority_countries"`
		Categories            []string   `json:"categories"`
		ResidenceNotIn        countrySet `json:"residence_not_in"`
		QualifyingGovernments countrySet `json:"qualifying_governments"`
		FileWithinNS          int64      `json:"file_within_ns"`
	} `json:"statutory_motion"`
	CommonLawChallenge struct {
		Instruments        []string   `json:"instruments"`
		AuthorityCountries countrySet `json:"authority_countries"`
	} `json:"common_law_challenge"`
}

type usPersonsData struct {
	DefaultHomeCountries countrySet `json:"default_home_countries"`
	LocatedIn            countrySet `json:"located_in"`
}

type dpaData struct {
	Name    string `yaml:"name" json:"name"`
	Email   string `yaml:"email" json:"email,omitempty"`
	Address string `yaml:"address" json:"address"`
	Website string `yaml:"website" json:"website,omitempty"`
	Checked string `yaml:"checked" json:"checked,omitempty"`
}

// The YAML as written: only what the assessment and the report's
// classification read (messages are left out).

type mainYAML struct {
	Version    string         `yaml:"version"`
	Provider   providerData   `yaml:"provider"`
	Categories yaml.Node      `yaml:"categories"`
	Issuers    yaml.Node      `yaml:"issuers"`
	Validators []string       `yaml:"validators"`
	Requesters requestersData `yaml:"requesters"`
	Policy     struct {
		ObjectionWindow     string `yaml:"objection_window"`
		LongNDOAfter        string `yaml:"long_ndo_after"`
		NoticeReviewHourUTC int    `yaml:"notice_review_hour_utc"`
	} `yaml:"policy"`
	Transparency  transparencyData `yaml:"transparency"`
	CustomerFirst struct {
		CustomerKinds []string  `yaml:"customer_kinds"`
		Exceptions    yaml.Node `yaml:"exceptions"`
	} `yaml:"customer_first"`
	NotifyAuthorities notifyData `yaml:"notify_authorities"`
}

type partYAML struct {
	Instruments []instrumentYAML `yaml:"instruments"`
	Conflicts   []struct {
		Code string `yaml:"code"`
		When struct {
			AuthorityCountryIn                  *countryExpr `yaml:"authority_country_in"`
			AuthorityCountryNotIn               *countryExpr `yaml:"authority_country_not_in"`
			DataSoughtIn                        *countryExpr `yaml:"data_sought_in"`
			CustomerHomeIn                      *countryExpr `yaml:"customer_home_in"`
			DataSoughtOrCustomerHomeIn          *countryExpr `yaml:"data_sought_or_customer_home_in"`
			CustomerKindNotIn                   []string     `yaml:"customer_kind_not_in"`
			CategoriesAsked                     []string     `yaml:"categories_asked"`
			InstrumentNotIn                     []string     `yaml:"instrument_not_in"`
			UnlessSufficientInstrumentIn        []string     `yaml:"unless_sufficient_instrument_in"`
			UnlessVerifiedEmergencyInstrumentIn []string     `yaml:"unless_verified_emergency_instrument_in"`
		} `yaml:"when"`
	} `yaml:"conflicts"`
	OnConflict *struct {
		Decline struct {
			Instruments []string `yaml:"instruments"`
		} `yaml:"decline"`
		Challenge struct {
			AuthorityCountries countryExpr `yaml:"authority_countries"`
			Instruments        []string    `yaml:"instruments"`
		} `yaml:"challenge"`
	} `yaml:"on_conflict"`
	Comity *struct {
		StatutoryMotion struct {
			Instruments           []string    `yaml:"instruments"`
			AuthorityCountries    countryExpr `yaml:"authority_countries"`
			Categories            []string    `yaml:"categories"`
			ResidenceNotIn        countryExpr `yaml:"residence_not_in"`
			QualifyingGovernments countryExpr `yaml:"qualifying_governments"`
			FileWithin            string      `yaml:"file_within"`
		} `yaml:"statutory_motion"`
		CommonLawChallenge struct {
			Instruments        []string    `yaml:"instruments"`
			AuthorityCountries countryExpr `yaml:"authority_countries"`
		} `yaml:"common_law_challenge"`
	} `yaml:"comity"`
	USPersons *struct {
		DefaultHomeCountries countryExpr `yaml:"default_home_countries"`
		LocatedIn            countryExpr `yaml:"located_in"`
	} `yaml:"us_persons"`
}

type instrumentYAML struct {
	Code               string      `yaml:"code"`
	Name               string      `yaml:"name"`
	Citation           string      `yaml:"citation"`
	AuthorityCountries countryExpr `yaml:"authority_countries"`
	RequesterKinds     []string    `yaml:"requester_kinds"`
	IssuedBy           yaml.Node   `yaml:"issued_by"` // zero when absent
	EffectiveIssuer    *struct {
		Ranked                     []string            `yaml:"ranked"`
		Compels                    map[string][]string `yaml:"compels"`
		EmergencyWithoutValidation []string            `yaml:"emergency_without_validation"`
	} `yaml:"effective_issuer"`
	InForceFrom                string   `yaml:"in_force_from"`
	InForceUntil               string   `yaml:"in_force_until"`
	Compels                    []string `yaml:"compels"`
	CompelsInVerifiedEmergency []string `yaml:"compels_in_verified_emergency"`
	ByAuthorityCountry         map[string]struct {
		Compels                    []string `yaml:"compels"`
		CompelsInVerifiedEmergency []string `yaml:"compels_in_verified_emergency"`
	} `yaml:"by_authority_country"`
	PreserveOnly                   bool              `yaml:"preserve_only"`
	PreserveUntilProduced          bool              `yaml:"preserve_until_produced"`
	Confidential                   bool              `yaml:"confidential"`
	NationalSecurity               bool              `yaml:"national_security"`
	ClaimsEmergency                bool              `yaml:"claims_emergency"`
	ExcludesUSPersons              bool              `yaml:"excludes_us_persons"`
	SeriousCrimeMinMaxYears        *float64          `yaml:"serious_crime_min_max_years"`
	OffenceThreshold               *offenceThreshold `yaml:"offence_threshold"`
	EnforcingAuthorityNotification *notification     `yaml:"enforcing_authority_notification"`
	Deadlines                      []struct {
		Code               string  `yaml:"code"`
		When               string  `yaml:"when"`
		Within             *string `yaml:"within"`
		DaysCounted        string  `yaml:"days_counted"`
		InEmergency        *string `yaml:"in_emergency"`
		NotAfterDue        bool    `yaml:"not_after_due"`
		ByAuthorityCountry map[string]struct {
			Within string `yaml:"within"`
		} `yaml:"by_authority_country"`
	} `yaml:"deadlines"`
}

// countryExpr is a set of countries as written: a plain list, or include
// and exclude. Each item is a country code, a list's name or a provider
// setting.
type countryExpr struct {
	Include, Exclude []string
}

func (c *countryExpr) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		return n.Decode(&c.Include)
	}
	var m struct {
		Include []string `yaml:"include"`
		Exclude []string `yaml:"exclude"`
	}
	if err := n.Decode(&m); err != nil {
		return err
	}
	c.Include, c.Exclude = m.Include, m.Exclude
	return nil
}

type listYAML struct {
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
}

type countriesYAML struct {
	Countries yaml.Node `yaml:"countries"`
}

type dpasYAML struct {
	Authorities map[string]dpaData `yaml:"authorities"`
}

// Files of the rulebook with a role of their own (rules/load.go).
const (
	fileMain      = "rulebook.yaml"
	fileCountries = "lists/countries.yaml"
	fileDPAs      = "lists/dpas.yaml"
)

// rulebookFiles returns every file of the loaded rulebook by name, as
// Rulebook.Show prints it, after checking it against Rulebook.Digest.
func rulebookFiles(rb *rules.Rulebook) (map[string][]byte, error) {
	var buf bytes.Buffer
	if err := rb.Show(&buf); err != nil {
		return nil, fmt.Errorf("printing the rulebook: %w", err)
	}
	out := buf.Bytes()
	// Show prints each file after a line "==> NAME <==", preceded by an
	// empty line.
	headers := regexp.MustCompile(`(?m)^==> (\S+) <==\n`).FindAllSubmatchIndex(out, -1)
	files := map[string][]byte{}
	for i, h := range headers {
		name := string(out[h[2]:h[3]])
		end := len(out)
		if i+1 < len(headers) {
			end = headers[i+1][0] - 1 // the empty line before the next header
		}
		files[name] = out[h[1]:end]
	}
	// The same digest as Rulebook.Digest: names and contents in name order.
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\n%d\n", name, len(files[name]))
		h.Write(files[name])
	}
	if got, want := hex.EncodeToString(h.Sum(nil)), rb.Digest(); got != want {
		return nil, fmt.Errorf("the rulebook's files as printed by Rulebook.Show do not match Rulebook.Digest (%s, want %s): has Show's layout changed?", got, want)
	}
	return files, nil
}

// rulebookDataOf converts the loaded rulebook into the data document and
// checks it against what the rules package exports.
func rulebookDataOf(rb *rules.Rulebook) (*rulebookData, error) {
	files, err := rulebookFiles(rb)
	if err != nil {
		return nil, err
	}
	data, err := convert(files)
	if err != nil {
		return nil, err
	}
	if err := data.check(rb); err != nil {
		return nil, fmt.Errorf("the data document disagrees with the loaded rulebook: %w", err)
	}
	return data, nil
}

// convert reads the rulebook's files into the data document.
func convert(files map[string][]byte) (*rulebookData, error) {
	decode := func(name string, v any) error {
		text, ok := files[name]
		if !ok {
			return fmt.Errorf("the rulebook has no file %s", name)
		}
		if err := yaml.Unmarshal(text, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	var m mainYAML
	if err := decode(fileMain, &m); err != nil {
		return nil, err
	}
	var cf countriesYAML
	if err := decode(fileCountries, &cf); err != nil {
		return nil, err
	}
	var df dpasYAML
	if err := decode(fileDPAs, &df); err != nil {
		return nil, err
	}

	r := &resolver{
		home:      m.Provider.HomeCountry,
		euRep:     m.Provider.EURepresentativeCountry,
		listYAML:  map[string]listYAML{},
		lists:     map[string]countrySet{},
		resolving: map[string]bool{},
	}
	countryCodes, err := mappingKeys(&cf.Countries)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fileCountries, err)
	}
	r.lists["countries"] = setOf(countryCodes)
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		switch {
		case name == fileMain || name == fileCountries || name == fileDPAs:
		case strings.HasPrefix(name, "lists/"):
			var l listYAML
			if err := decode(name, &l); err != nil {
				return nil, err
			}
			r.listYAML[strings.TrimSuffix(path.Base(name), ".yaml")] = l
		default:
			parts = append(parts, name)
		}
	}

	d := &rulebookData{
		Version:           m.Version,
		Provider:          m.Provider,
		Validators:        m.Validators,
		Requesters:        m.Requesters,
		Transparency:      m.Transparency,
		NotifyAuthorities: m.NotifyAuthorities,
		Instruments:       map[string]instrumentData{},
		Conflicts:         []conflictData{},
		DPAs:              df.Authorities,
		Countries:         r.lists["countries"],
	}
	if d.Categories, err = mappingKeys(&m.Categories); err != nil {
		return nil, fmt.Errorf("%s: categories: %w", fileMain, err)
	}
	if d.Issuers, err = mappingKeys(&m.Issuers); err != nil {
		return nil, fmt.Errorf("%s: issuers: %w", fileMain, err)
	}
	d.CustomerFirst.CustomerKinds = m.CustomerFirst.CustomerKinds
	if d.CustomerFirst.Exceptions, err = mappingKeys(&m.CustomerFirst.Exceptions); err != nil {
		return nil, fmt.Errorf("%s: customer_first.exceptions: %w", fileMain, err)
	}
	if d.Policy.ObjectionWindowNS, err = periodNS(m.Policy.ObjectionWindow); err != nil {
		return nil, fmt.Errorf("%s: policy.objection_window: %w", fileMain, err)
	}
	if d.Policy.LongNDOAfterNS, err = periodNS(m.Policy.LongNDOAfter); err != nil {
		return nil, fmt.Errorf("%s: policy.long_ndo_after: %w", fileMain, err)
	}
	d.Policy.NoticeReviewHourUTC = m.Policy.NoticeReviewHourUTC

	for _, name := range parts {
		var p partYAML
		if err := decode(name, &p); err != nil {
			return nil, err
		}
		if err := d.addPart(name, &p, r); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// addPart adds one file's instruments, conflicts and other sections.
func (d *rulebookData) addPart(file string, p *partYAML, r *resolver) error {
	fail := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", file, what, err) }
	for _, y := range p.Instruments {
		in, err := convertInstrument(&y, r)
		if err != nil {
			return fail("instrument "+y.Code, err)
		}
		if _, dup := d.Instruments[y.Code]; dup {
			return fail("instrument "+y.Code, fmt.Errorf("defined twice"))
		}
		d.Instruments[y.Code] = in
	}
	for _, y := range p.Conflicts {
		c := conflictData{Code: y.Code}
		w := &y.When
		for _, cond := range []struct {
			in  *countryExpr
			out **countrySet
		}{
			{w.AuthorityCountryIn, &c.When.AuthorityCountryIn},
			{w.AuthorityCountryNotIn, &c.When.AuthorityCountryNotIn},
			{w.DataSoughtIn, &c.When.DataSoughtIn},
			{w.CustomerHomeIn, &c.When.CustomerHomeIn},
			{w.DataSoughtOrCustomerHomeIn, &c.When.DataSoughtOrCustomerHomeIn},
		} {
			if cond.in == nil {
				continue
			}
			s, err := r.expr(*cond.in)
			if err != nil {
				return fail("conflict "+y.Code, err)
			}
			*cond.out = &s
		}
		c.When.CustomerKindNotIn = presentList(w.CustomerKindNotIn)
		c.When.CategoriesAsked = presentList(w.CategoriesAsked)
		c.When.InstrumentNotIn = presentList(w.InstrumentNotIn)
		c.When.UnlessSufficientInstrumentIn = presentList(w.UnlessSufficientInstrumentIn)
		c.When.UnlessVerifiedEmergencyInstrumentIn = presentList(w.UnlessVerifiedEmergencyInstrumentIn)
		d.Conflicts = append(d.Conflicts, c)
	}
	var err error
	if oc := p.OnConflict; oc != nil {
		d.OnConflict.Decline.Instruments = orEmpty(oc.Decline.Instruments)
		if d.OnConflict.Challenge.AuthorityCountries, err = r.expr(oc.Challenge.AuthorityCountries); err != nil {
			return fail("on_conflict", err)
		}
		d.OnConflict.Challenge.Instruments = orEmpty(oc.Challenge.Instruments)
	}
	if c := p.Comity; c != nil {
		s, l := &d.Comity.StatutoryMotion, &d.Comity.CommonLawChallenge
		s.Instruments, s.Categories = c.StatutoryMotion.Instruments, c.StatutoryMotion.Categories
		for _, set := range []struct {
			in  countryExpr
			out *countrySet
		}{
			{c.StatutoryMotion.AuthorityCountries, &s.AuthorityCountries},
			{c.StatutoryMotion.ResidenceNotIn, &s.ResidenceNotIn},
			{c.StatutoryMotion.QualifyingGovernments, &s.QualifyingGovernments},
			{c.CommonLawChallenge.AuthorityCountries, &l.AuthorityCountries},
		} {
			if *set.out, err = r.expr(set.in); err != nil {
				return fail("comity", err)
			}
		}
		if s.FileWithinNS, err = periodNS(c.StatutoryMotion.FileWithin); err != nil {
			return fail("comity.statutory_motion.file_within", err)
		}
		l.Instruments = c.CommonLawChallenge.Instruments
	}
	if u := p.USPersons; u != nil {
		if d.USPersons.DefaultHomeCountries, err = r.expr(u.DefaultHomeCountries); err != nil {
			return fail("us_persons", err)
		}
		if d.USPersons.LocatedIn, err = r.expr(u.LocatedIn); err != nil {
			return fail("us_persons", err)
		}
	}
	return nil
}

func convertInstrument(y *instrumentYAML, r *resolver) (instrumentData, error) {
	in := instrumentData{
		Name:                           strings.TrimSpace(y.Name),
		Citation:                       strings.TrimSpace(y.Citation),
		RequesterKinds:                 presentList(y.RequesterKinds),
		InForceFrom:                    y.InForceFrom,
		InForceUntil:                   y.InForceUntil,
		Compels:                        orEmpty(y.Compels),
		CompelsInVerifiedEmergency:     presentList(y.CompelsInVerifiedEmergency),
		PreserveOnly:                   y.PreserveOnly,
		PreserveUntilProduced:          y.PreserveUntilProduced,
		Confidential:                   y.Confidential,
		NationalSecurity:               y.NationalSecurity,
		ClaimsEmergency:                y.ClaimsEmergency,
		ExcludesUSPersons:              y.ExcludesUSPersons,
		SeriousCrimeMinMaxYears:        y.SeriousCrimeMinMaxYears,
		OffenceThreshold:               y.OffenceThreshold,
		EnforcingAuthorityNotification: y.EnforcingAuthorityNotification,
		Deadlines:                      []deadlineData{},
	}
	var err error
	if in.AuthorityCountries, err = r.expr(y.AuthorityCountries); err != nil {
		return in, err
	}
	if n := &y.IssuedBy; n.Kind != 0 {
		if n.Kind == yaml.ScalarNode {
			in.IssuedBy = n.Value // "anyone"
		} else {
			var issuers []string
			if err := n.Decode(&issuers); err != nil {
				return in, fmt.Errorf("issued_by: %w", err)
			}
			in.IssuedBy = issuers
		}
	}
	if e := y.EffectiveIssuer; e != nil {
		in.EffectiveIssuer = &effectiveIssuerData{
			Ranked:                     e.Ranked,
			Compels:                    map[string][]string{},
			EmergencyWithoutValidation: presentList(e.EmergencyWithoutValidation),
		}
		for k, v := range e.Compels {
			in.EffectiveIssuer.Compels[k] = orEmpty(v)
		}
	}
	if len(y.ByAuthorityCountry) > 0 {
		in.ByAuthorityCountry = map[string]profileData{}
		for country, p := range y.ByAuthorityCountry {
			in.ByAuthorityCountry[country] = profileData{
				Compels:                    presentList(p.Compels),
				CompelsInVerifiedEmergency: presentList(p.CompelsInVerifiedEmergency),
			}
		}
	}
	for _, dl := range y.Deadlines {
		out := deadlineData{Code: dl.Code, When: dl.When, DaysCounted: dl.DaysCounted, NotAfterDue: dl.NotAfterDue}
		if out.When == "" {
			out.When = "always"
		}
		if dl.Within != nil {
			ns, err := periodNS(*dl.Within)
			if err != nil {
				return in, fmt.Errorf("deadline %s: %w", dl.Code, err)
			}
			out.WithinNS = &ns
		}
		if dl.InEmergency != nil {
			ns, err := periodNS(*dl.InEmergency)
			if err != nil {
				return in, fmt.Errorf("deadline %s: in_emergency: %w", dl.Code, err)
			}
			out.InEmergencyNS = &ns
		}
		if len(dl.ByAuthorityCountry) > 0 {
			out.ByAuthorityCountryNS = map[string]int64{}
			for country, p := range dl.ByAuthorityCountry {
				ns, err := periodNS(p.Within)
				if err != nil {
					return in, fmt.Errorf("deadline %s: %s: %w", dl.Code, country, err)
				}
				out.ByAuthorityCountryNS[country] = ns
			}
		}
		in.Deadlines = append(in.Deadlines, out)
	}
	return in, nil
}

// resolver expands country expressions the way writ's compiler does: an
// item is a country code, a provider setting, or the name of a list in
// lists/ (which may include other lists).
type resolver struct {
	home, euRep string
	listYAML    map[string]listYAML
	lists       map[string]countrySet // expanded so far; "countries" is every code
	resolving   map[string]bool
}

func (r *resolver) expr(e countryExpr) (countrySet, error) {
	return r.expand(e.Include, e.Exclude)
}

func (r *resolver) expand(include, exclude []string) (countrySet, error) {
	out := countrySet{}
	for _, item := range include {
		s, err := r.item(item)
		if err != nil {
			return nil, err
		}
		for code := range s {
			out[code] = true
		}
	}
	for _, item := range exclude {
		s, err := r.item(item)
		if err != nil {
			return nil, err
		}
		for code := range s {
			delete(out, code)
		}
	}
	return out, nil
}

func (r *resolver) item(v string) (countrySet, error) {
	switch {
	case isCountryCode(v):
		if !r.lists["countries"][v] {
			return nil, fmt.Errorf("unknown country code %q", v)
		}
		return countrySet{v: true}, nil
	case v == "provider.home_country":
		return countrySet{r.home: true}, nil
	case v == "provider.eu_representative_country":
		return countrySet{r.euRep: true}, nil
	}
	if s, ok := r.lists[v]; ok {
		return s, nil
	}
	l, ok := r.listYAML[v]
	if !ok {
		return nil, fmt.Errorf("%q is neither a country code, nor a list, nor a provider setting", v)
	}
	if r.resolving[v] {
		return nil, fmt.Errorf("list %s includes itself", v)
	}
	r.resolving[v] = true
	s, err := r.expand(l.Include, l.Exclude)
	r.resolving[v] = false
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", v, err)
	}
	r.lists[v] = s
	return s, nil
}

// isCountryCode reports whether v is written like an ISO 3166-1 alpha-2
// code: two capital letters.
func isCountryCode(v string) bool {
	return len(v) == 2 && 'A' <= v[0] && v[0] <= 'Z' && 'A' <= v[1] && v[1] <= 'Z'
}

// periodNS reads a period written "7 days" or "48 hours" (a day is always
// 24 hours) as nanoseconds.
func periodNS(s string) (int64, error) {
	num, unit, found := strings.Cut(strings.TrimSpace(s), " ")
	count, err := strconv.Atoi(num)
	if !found || err != nil || count < 0 {
		return 0, fmt.Errorf("expected a period such as \"7 days\" or \"48 hours\", found %q", s)
	}
	switch unit {
	case "day", "days":
		return int64(time.Duration(count) * 24 * time.Hour), nil
	case "hour", "hours":
		return int64(time.Duration(count) * time.Hour), nil
	}
	return 0, fmt.Errorf("a period is counted in days or hours, found %q", s)
}

// mappingKeys returns the keys of a YAML mapping in the order written.
func mappingKeys(n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("expected a mapping")
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys, nil
}

func setOf(codes []string) countrySet {
	s := countrySet{}
	for _, c := range codes {
		s[c] = true
	}
	return s
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// presentList keeps the difference between a list the YAML does not give
// (nil) and one it gives empty.
func presentList(s []string) *[]string {
	if s == nil {
		return nil
	}
	return &s
}

// check compares the data document with everything the rules package
// exports about the rulebook it loaded. What it does not export (in-force
// windows, requester kinds, country profiles, deadlines and their periods,
// the enforcing state's clock) is held to writ by the agreement on the
// cases, which TestV2ChangesAreExercised shows reach each of them.
func (d *rulebookData) check(rb *rules.Rulebook) error {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if d.Version != rb.Version() {
		fail("version %q, writ has %q", d.Version, rb.Version())
	}
	if d.Provider.HomeCountry != rb.HomeCountry() {
		fail("provider.home_country %q, writ has %q", d.Provider.HomeCountry, rb.HomeCountry())
	}
	same := func(what string, got, want []string) {
		if !slices.Equal(got, want) {
			fail("%s %v, writ has %v", what, got, want)
		}
	}
	same("categories", d.Categories, rb.Categories())
	same("issuers", d.Issuers, rb.Issuers())
	same("customer-first exceptions", d.CustomerFirst.Exceptions, rb.CustomerFirstExceptions())
	same("countries", d.Countries.sorted(), rb.Countries())
	same("instruments", slices.Sorted(maps.Keys(d.Instruments)), rb.Instruments())
	var nationalSecurity []string
	for _, code := range slices.Sorted(maps.Keys(d.Instruments)) {
		in := d.Instruments[code]
		if in.NationalSecurity {
			nationalSecurity = append(nationalSecurity, code)
		}
		if name, citation := rb.InstrumentName(code); name != in.Name || citation != in.Citation {
			fail("instrument %s is %q (%s), writ has %q (%s)", code, in.Name, in.Citation, name, citation)
		}
		if in.Confidential != rb.IsConfidential(code) {
			fail("instrument %s: confidential %v, writ has %v", code, in.Confidential, rb.IsConfidential(code))
		}
	}
	same("national-security instruments", nationalSecurity, rb.NationalSecurityInstruments())

	// The directory of data protection authorities: every entry writ has
	// for a country, and every entry here (subdivisions included), alike.
	for _, code := range rb.Countries() {
		if _, ok := rb.DPA(code); ok {
			if _, have := d.DPAs[code]; !have {
				fail("data protection authority of %s: missing, writ has one", code)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(d.DPAs)) {
		got := d.DPAs[key]
		want, ok := rb.DPA(key)
		switch {
		case !ok:
			fail("data protection authority %s: writ has none", key)
		case want.Key != key || want.Country != key[:2]:
			fail("data protection authority %s: writ has it as %s of %s (the policy takes the country from the key's first two letters)", key, want.Key, want.Country)
		case got.Name != want.Name || got.Email != want.Email || got.Address != want.Address || got.Website != want.Website || got.Checked != want.Checked:
			fail("data protection authority %s: %+v, writ has %+v", key, got, want)
		}
	}

	if time.Duration(d.Policy.ObjectionWindowNS) != rb.ObjectionWindow() {
		fail("policy.objection_window %v, writ has %v", time.Duration(d.Policy.ObjectionWindowNS), rb.ObjectionWindow())
	}
	if time.Duration(d.Policy.LongNDOAfterNS) != rb.LongNDOAfter() {
		fail("policy.long_ndo_after %v, writ has %v", time.Duration(d.Policy.LongNDOAfterNS), rb.LongNDOAfter())
	}
	// The review of a delayed notice: the day after the order's last day,
	// at the policy's hour in UTC.
	last := rules.Date{Year: 2027, Month: time.March, Day: 27}
	if got, want := last.Time().Add(24*time.Hour+time.Duration(d.Policy.NoticeReviewHourUTC)*time.Hour), rb.NoticeReview(last); !got.Equal(want) {
		fail("policy.notice_review_hour_utc %d reviews a notice at %v, writ at %v", d.Policy.NoticeReviewHourUTC, got, want)
	}
	var agreements []string
	for _, c := range d.Conflicts {
		if c.Code == "US_SCA_2702A" {
			for _, l := range []*[]string{c.When.InstrumentNotIn, c.When.UnlessSufficientInstrumentIn} {
				if l != nil {
					agreements = append(agreements, *l...)
				}
			}
		}
	}
	slices.Sort(agreements)
	same("instruments exempt from US_SCA_2702A", agreements, rb.ContentAgreementInstruments())
	d.checkTransparency(rb, fail)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// checkTransparency compares the transparency section with
// Rulebook.Transparency: the configured structure, every structure of
// 1874(a), the setting for foreign national-security authorities, and the
// class of every instrument of US national-security process.
func (d *rulebookData) checkTransparency(rb *rules.Rulebook, fail func(string, ...any)) {
	t, want := d.Transparency, rb.Transparency()
	if t.NationalSecurityBands != want.Structure.Code {
		fail("transparency.national_security_bands %q, writ has %q", t.NationalSecurityBands, want.Structure.Code)
	}
	if t.IncludeForeignNationalSecurity != want.IncludeForeignNationalSecurity {
		fail("transparency.include_foreign_national_security %v, writ has %v", t.IncludeForeignNationalSecurity, want.IncludeForeignNationalSecurity)
	}
	if got := slices.Sorted(maps.Keys(t.Structures)); !slices.Equal(got, slices.Sorted(slices.Values(want.StructureCodes()))) {
		fail("transparency structures %v, writ has %v", got, want.StructureCodes())
	}
	for code, s := range t.Structures {
		w, ok := want.StructureByCode(code)
		if !ok {
			continue
		}
		separate := s.Figures == "separate"
		if s.Citation != w.Citation || s.Band != w.Band || separate != w.Separate || s.Period != w.Period || s.NSLPeriod != w.NSLPeriod || s.FISAPeriod != w.FISAPeriod {
			fail("transparency structure %s: %+v, writ has %+v", code, s, w)
		}
	}
	if got := slices.Sorted(maps.Keys(t.Classes)); !slices.Equal(got, want.USNationalSecurityInstruments()) {
		fail("US national-security process %v, writ has %v", got, want.USNationalSecurityInstruments())
	}
	for _, code := range slices.Sorted(maps.Keys(d.Instruments)) {
		for _, asked := range [][]string{{"subscriber"}, {"content"}} {
			if got, want := classOf(t.Classes[code], asked), want.Class(code, asked); got != want {
				fail("instrument %s asking %v is counted as %q, writ counts it as %q", code, asked, got, want)
			}
		}
	}
}

// classOf reads a class as rulebook.yaml writes it, as policy/transparency.rego
// does: fisa_contents_if_content_asked is fisa_contents when content is
// asked, otherwise fisa_non_contents.
func classOf(class string, asked []string) string {
	if class != "fisa_contents_if_content_asked" {
		return class
	}
	if slices.Contains(asked, "content") {
		return "fisa_contents"
	}
	return "fisa_non_contents"
}

// document returns the data document as OPA stores it: {"writ": {"rulebook": ...}}.
func (d *rulebookData) document() (map[string]any, error) {
	b, err := json.Marshal(map[string]any{"writ": map[string]any{"rulebook": d}})
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}
