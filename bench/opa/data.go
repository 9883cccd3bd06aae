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
// ("7 days", "48 hours"; a day is 24 hours) become nanoseconds. Finally the
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
// rulebook's YAML; see policy/assess.rego for how the policy reads it.
type rulebookData struct {
	Version           string                    `json:"version"`
	Provider          providerData              `json:"provider"`
	Categories        []string                  `json:"categories"`
	Issuers           []string                  `json:"issuers"`
	Validators        []string                  `json:"validators"`
	Policy            policyData                `json:"policy"`
	CustomerFirst     customerFirstData         `json:"customer_first"`
	NotifyAuthorities notifyData                `json:"notify_authorities"`
	Instruments       map[string]instrumentData `json:"instruments"`
	Conflicts         []conflictData            `json:"conflicts"`
	OnConflict        onConflictData            `json:"on_conflict"`
	Comity            comityData                `json:"comity"`
	USPersons         usPersonsData             `json:"us_persons"`
	DPAs              map[string]dpaData        `json:"dpas"`
	Countries         countrySet                `json:"countries"`
}

// countrySet is a set of country codes, written as an object whose keys are
// the members.
type countrySet map[string]bool

func (s countrySet) sorted() []string { return slices.Sorted(maps.Keys(s)) }

type providerData struct {
	HomeCountry             string `json:"home_country"`
	EURepresentativeCountry string `json:"eu_representative_country"`
}

type policyData struct {
	ObjectionWindowNS    int64 `json:"objection_window_ns"`
	LongNDOAfterNS       int64 `json:"long_ndo_after_ns"`
	NationalSecurityBand int   `json:"national_security_band"`
}

type customerFirstData struct {
	CustomerKinds []string `json:"customer_kinds"`
	Exceptions    []string `json:"exceptions"`
}

type notifyData struct {
	DPA struct {
		Conflicts    []string `json:"conflicts"`
		Routes       []string `json:"routes"`
		UnlessNotice []string `json:"unless_notice"`
	} `json:"DPA"`
}

type instrumentData struct {
	Name               string     `json:"name"`
	Citation           string     `json:"citation"`
	AuthorityCountries countrySet `json:"authority_countries"`
	// IssuedBy is "anyone" or the list of issuers; absent for an EU order,
	// which has EffectiveIssuer instead.
	IssuedBy          any                  `json:"issued_by,omitempty"`
	EffectiveIssuer   *effectiveIssuerData `json:"effective_issuer,omitempty"`
	Compels           []string             `json:"compels"`
	PreserveOnly      bool                 `json:"preserve_only"`
	NationalSecurity  bool                 `json:"national_security"`
	ClaimsEmergency   bool                 `json:"claims_emergency"`
	ExcludesUSPersons bool                 `json:"excludes_us_persons"`
	OffenceThreshold  *offenceThreshold    `json:"offence_threshold,omitempty"`
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

type effectiveIssuerData struct {
	From    []string            `json:"from"`
	Compels map[string][]string `json:"compels"`
	// EmergencyWithoutValidation is absent when the YAML does not give it.
	EmergencyWithoutValidation *[]string `json:"emergency_without_validation,omitempty"`
}

type deadlineData struct {
	Code          string `json:"code"`
	When          string `json:"when"`
	WithinNS      int64  `json:"within_ns"`
	InEmergencyNS *int64 `json:"in_emergency_ns,omitempty"`
}

// conflictData is one conflict of law; a condition is absent when the YAML
// does not give it (and then cannot fail).
type conflictData struct {
	Code string `json:"code"`
	When struct {
		AuthorityCountryIn    *countrySet `json:"authority_country_in,omitempty"`
		AuthorityCountryNotIn *countrySet `json:"authority_country_not_in,omitempty"`
		DataStoredIn          *countrySet `json:"data_stored_in,omitempty"`
		CustomerHomeIn        *countrySet `json:"customer_home_in,omitempty"`
		DataOrCustomerHomeIn  *countrySet `json:"data_or_customer_home_in,omitempty"`
		CustomerKindNotIn     *[]string   `json:"customer_kind_not_in,omitempty"`
		CategoriesAsked       *[]string   `json:"categories_asked,omitempty"`
		InstrumentNotIn       *[]string   `json:"instrument_not_in,omitempty"`
	} `json:"when"`
}

type onConflictData struct {
	Challenge struct {
		AuthorityCountries countrySet `json:"authority_countries"`
		Instruments        []string   `json:"instruments"`
	} `json:"challenge"`
}

type comityData struct {
	StatutoryMotion struct {
		Instruments        []string   `json:"instruments"`
		AuthorityCountries countrySet `json:"authority_countries"`
		Categories         []string   `json:"categories"`
		CustomerHomeIn     countrySet `json:"customer_home_in"`
		FileWithinNS       int64      `json:"file_within_ns"`
	} `json:"statutory_motion"`
	CommonLawChallenge struct {
		Instruments        []string   `json:"instruments"`
		AuthorityCountries countrySet `json:"authority_countries"`
	} `json:"common_law_challenge"`
}

type usPersonsData struct {
	DefaultHomeCountries countrySet `json:"default_home_countries"`
}

type dpaData struct {
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address"`
	Website string `json:"website,omitempty"`
}

// The YAML as written: only what the assessment reads (messages are left out).

type mainYAML struct {
	Version  string `yaml:"version"`
	Provider struct {
		HomeCountry             string `yaml:"home_country"`
		EURepresentativeCountry string `yaml:"eu_representative_country"`
	} `yaml:"provider"`
	Categories yaml.Node `yaml:"categories"`
	Issuers    yaml.Node `yaml:"issuers"`
	Validators []string  `yaml:"validators"`
	Policy     struct {
		ObjectionWindow      string `yaml:"objection_window"`
		LongNDOAfter         string `yaml:"long_ndo_after"`
		NationalSecurityBand int    `yaml:"national_security_band"`
	} `yaml:"policy"`
	CustomerFirst struct {
		CustomerKinds []string  `yaml:"customer_kinds"`
		Exceptions    yaml.Node `yaml:"exceptions"`
	} `yaml:"customer_first"`
	NotifyAuthorities struct {
		DPA struct {
			Conflicts    []string `yaml:"conflicts"`
			Routes       []string `yaml:"routes"`
			UnlessNotice []string `yaml:"unless_notice"`
		} `yaml:"DPA"`
	} `yaml:"notify_authorities"`
}

type partYAML struct {
	Instruments []instrumentYAML `yaml:"instruments"`
	Conflicts   []struct {
		Code string `yaml:"code"`
		When struct {
			AuthorityCountryIn    *countryExpr `yaml:"authority_country_in"`
			AuthorityCountryNotIn *countryExpr `yaml:"authority_country_not_in"`
			DataStoredIn          *countryExpr `yaml:"data_stored_in"`
			CustomerHomeIn        *countryExpr `yaml:"customer_home_in"`
			DataOrCustomerHomeIn  *countryExpr `yaml:"data_or_customer_home_in"`
			CustomerKindNotIn     []string     `yaml:"customer_kind_not_in"`
			CategoriesAsked       []string     `yaml:"categories_asked"`
			InstrumentNotIn       []string     `yaml:"instrument_not_in"`
		} `yaml:"when"`
	} `yaml:"conflicts"`
	OnConflict *struct {
		Challenge struct {
			AuthorityCountries countryExpr `yaml:"authority_countries"`
			Instruments        []string    `yaml:"instruments"`
		} `yaml:"challenge"`
	} `yaml:"on_conflict"`
	Comity *struct {
		StatutoryMotion struct {
			Instruments        []string    `yaml:"instruments"`
			AuthorityCountries countryExpr `yaml:"authority_countries"`
			Categories         []string    `yaml:"categories"`
			CustomerHomeIn     countryExpr `yaml:"customer_home_in"`
			FileWithin         string      `yaml:"file_within"`
		} `yaml:"statutory_motion"`
		CommonLawChallenge struct {
			Instruments        []string    `yaml:"instruments"`
			AuthorityCountries countryExpr `yaml:"authority_countries"`
		} `yaml:"common_law_challenge"`
	} `yaml:"comity"`
	USPersons *struct {
		DefaultHomeCountries countryExpr `yaml:"default_home_countries"`
	} `yaml:"us_persons"`
}

type instrumentYAML struct {
	Code               string      `yaml:"code"`
	Name               string      `yaml:"name"`
	Citation           string      `yaml:"citation"`
	AuthorityCountries countryExpr `yaml:"authority_countries"`
	IssuedBy           yaml.Node   `yaml:"issued_by"` // zero when absent
	EffectiveIssuer    *struct {
		From                       []string            `yaml:"from"`
		Compels                    map[string][]string `yaml:"compels"`
		EmergencyWithoutValidation []string            `yaml:"emergency_without_validation"`
	} `yaml:"effective_issuer"`
	Compels                        []string          `yaml:"compels"`
	PreserveOnly                   bool              `yaml:"preserve_only"`
	NationalSecurity               bool              `yaml:"national_security"`
	ClaimsEmergency                bool              `yaml:"claims_emergency"`
	ExcludesUSPersons              bool              `yaml:"excludes_us_persons"`
	OffenceThreshold               *offenceThreshold `yaml:"offence_threshold"`
	EnforcingAuthorityNotification *notification     `yaml:"enforcing_authority_notification"`
	Deadlines                      []struct {
		Code        string  `yaml:"code"`
		When        string  `yaml:"when"`
		Within      string  `yaml:"within"`
		InEmergency *string `yaml:"in_emergency"`
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
		Version:     m.Version,
		Provider:    providerData{HomeCountry: m.Provider.HomeCountry, EURepresentativeCountry: m.Provider.EURepresentativeCountry},
		Validators:  m.Validators,
		Instruments: map[string]instrumentData{},
		Conflicts:   []conflictData{},
		DPAs:        df.Authorities,
		Countries:   r.lists["countries"],
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
	d.Policy.NationalSecurityBand = m.Policy.NationalSecurityBand
	d.NotifyAuthorities.DPA.Conflicts = m.NotifyAuthorities.DPA.Conflicts
	d.NotifyAuthorities.DPA.Routes = m.NotifyAuthorities.DPA.Routes
	d.NotifyAuthorities.DPA.UnlessNotice = m.NotifyAuthorities.DPA.UnlessNotice

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
			{w.DataStoredIn, &c.When.DataStoredIn},
			{w.CustomerHomeIn, &c.When.CustomerHomeIn},
			{w.DataOrCustomerHomeIn, &c.When.DataOrCustomerHomeIn},
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
		d.Conflicts = append(d.Conflicts, c)
	}
	var err error
	if oc := p.OnConflict; oc != nil {
		if d.OnConflict.Challenge.AuthorityCountries, err = r.expr(oc.Challenge.AuthorityCountries); err != nil {
			return fail("on_conflict", err)
		}
		d.OnConflict.Challenge.Instruments = oc.Challenge.Instruments
	}
	if c := p.Comity; c != nil {
		s, l := &d.Comity.StatutoryMotion, &d.Comity.CommonLawChallenge
		s.Instruments, s.Categories = c.StatutoryMotion.Instruments, c.StatutoryMotion.Categories
		if s.AuthorityCountries, err = r.expr(c.StatutoryMotion.AuthorityCountries); err != nil {
			return fail("comity", err)
		}
		if s.CustomerHomeIn, err = r.expr(c.StatutoryMotion.CustomerHomeIn); err != nil {
			return fail("comity", err)
		}
		if s.FileWithinNS, err = periodNS(c.StatutoryMotion.FileWithin); err != nil {
			return fail("comity.statutory_motion.file_within", err)
		}
		l.Instruments = c.CommonLawChallenge.Instruments
		if l.AuthorityCountries, err = r.expr(c.CommonLawChallenge.AuthorityCountries); err != nil {
			return fail("comity", err)
		}
	}
	if u := p.USPersons; u != nil {
		if d.USPersons.DefaultHomeCountries, err = r.expr(u.DefaultHomeCountries); err != nil {
			return fail("us_persons", err)
		}
	}
	return nil
}

func convertInstrument(y *instrumentYAML, r *resolver) (instrumentData, error) {
	in := instrumentData{
		Name:              strings.TrimSpace(y.Name),
		Citation:          strings.TrimSpace(y.Citation),
		Compels:           orEmpty(y.Compels),
		PreserveOnly:      y.PreserveOnly,
		NationalSecurity:  y.NationalSecurity,
		ClaimsEmergency:   y.ClaimsEmergency,
		ExcludesUSPersons: y.ExcludesUSPersons,
		OffenceThreshold:  y.OffenceThreshold,
		Deadlines:         []deadlineData{},
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
			From:                       e.From,
			Compels:                    map[string][]string{},
			EmergencyWithoutValidation: presentList(e.EmergencyWithoutValidation),
		}
		for k, v := range e.Compels {
			in.EffectiveIssuer.Compels[k] = orEmpty(v)
		}
	}
	if n := y.EnforcingAuthorityNotification; n != nil {
		in.EnforcingAuthorityNotification = &notification{Categories: orEmpty(n.Categories)}
	}
	for _, dl := range y.Deadlines {
		out := deadlineData{Code: dl.Code, When: dl.When}
		if out.When == "" {
			out.When = "always"
		}
		if out.WithinNS, err = periodNS(dl.Within); err != nil {
			return in, fmt.Errorf("deadline %s: %w", dl.Code, err)
		}
		if dl.InEmergency != nil {
			ns, err := periodNS(*dl.InEmergency)
			if err != nil {
				return in, fmt.Errorf("deadline %s: in_emergency: %w", dl.Code, err)
			}
			out.InEmergencyNS = &ns
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
// exports about the rulebook it loaded.
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
	}
	same("national-security instruments", nationalSecurity, rb.NationalSecurityInstruments())
	for _, code := range rb.Countries() {
		want, ok := rb.DPA(code)
		got, have := d.DPAs[code]
		switch {
		case ok != have:
			fail("data protection authority of %s: present %v, writ has %v", code, have, ok)
		case ok && (got.Name != want.Name || got.Email != want.Email || got.Address != want.Address):
			fail("data protection authority of %s: %+v, writ has %+v", code, got, want)
		}
	}
	if time.Duration(d.Policy.ObjectionWindowNS) != rb.ObjectionWindow() {
		fail("policy.objection_window %v, writ has %v", time.Duration(d.Policy.ObjectionWindowNS), rb.ObjectionWindow())
	}
	if time.Duration(d.Policy.LongNDOAfterNS) != rb.LongNDOAfter() {
		fail("policy.long_ndo_after %v, writ has %v", time.Duration(d.Policy.LongNDOAfterNS), rb.LongNDOAfter())
	}
	if d.Policy.NationalSecurityBand != rb.NationalSecurityBand() {
		fail("policy.national_security_band %d, writ has %d", d.Policy.NationalSecurityBand, rb.NationalSecurityBand())
	}
	var agreements []string
	for _, c := range d.Conflicts {
		if c.Code == "US_SCA_2702A" && c.When.InstrumentNotIn != nil {
			agreements = slices.Sorted(slices.Values(*c.When.InstrumentNotIn))
		}
	}
	same("instruments exempt from US_SCA_2702A", agreements, rb.ContentAgreementInstruments())
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
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
