package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	// The enforcing state's clock must not depend on the host's time zone
	// files: the IANA database is built into the binary.
	_ "time/tzdata"
)

// compiler checks the decoded files against each other and builds the
// indexed Rulebook the evaluator reads.
type compiler struct {
	rb       *Rulebook
	errs     *problems
	listDocs map[string]*listFile // by file name
	// resolving marks lists being expanded, to report a list that
	// includes itself.
	resolving map[string]bool
	// listFiles maps a list's name to its file.
	listFiles map[string]string
	// listsBroken is set when a list could not be expanded, so that
	// checks against lists do not repeat the one mistake many times.
	listsBroken bool
	// euRepLine is where the provider's EU representative is set.
	euRepLine int
}

var (
	countryCodePattern    = regexp.MustCompile(`^[A-Z]{2}$`)
	subdivisionPattern    = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)
	instrumentCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	conflictCodePattern   = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	listNamePattern       = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
)

func (c *compiler) errorf(file string, line int, format string, args ...any) {
	c.errs.add(file, line, format, args...)
}

func (c *compiler) compile(main *rulebookFile, partNames []string, parts map[string]*partFile, countries *countriesFile, dpas *dpasFile) {
	rb := c.rb
	c.compileCountries(countries)
	c.compileProvider(main)
	c.compileLists()
	c.compileVocabulary(main)
	c.compilePolicy(main)

	// Instruments first: conflicts, comity and the challenge rule name them.
	type placed struct {
		file string
		line int
	}
	type fileConflict struct {
		file string
		doc  conflictDoc
	}
	var (
		conflictDocs       []fileConflict
		onConflict, comity placed
	)
	rb.instruments = map[string]*instrument{}
	firstInstrument := map[string]string{}
	for _, name := range partNames {
		p := parts[name]
		if p == nil {
			continue
		}
		for i := range p.Instruments {
			doc := &p.Instruments[i]
			code := doc.Code.Value
			if first, dup := firstInstrument[code]; dup {
				c.errorf(name, doc.Code.Line, "instrument %s is defined twice (first at %s)", code, first)
				continue
			}
			firstInstrument[code] = fmt.Sprintf("%s:%d", name, doc.Code.Line)
			if in := c.compileInstrument(name, doc); in != nil {
				rb.instruments[code] = in
				rb.instrumentCodes = append(rb.instrumentCodes, code)
			}
		}
		for _, d := range p.Conflicts {
			conflictDocs = append(conflictDocs, fileConflict{name, d})
		}
	}
	slices.Sort(rb.instrumentCodes)
	if len(rb.instruments) == 0 && len(firstInstrument) == 0 {
		c.errorf(fileMain, 0, "the rulebook defines no instrument")
	}

	for _, cd := range conflictDocs {
		c.compileConflict(cd.file, &cd.doc)
	}
	for _, name := range partNames {
		p := parts[name]
		if p == nil {
			continue
		}
		if p.OnConflict != nil {
			if onConflict.file != "" {
				c.errorf(name, p.OnConflict.Line, "on_conflict is given twice (first at %s:%d)", onConflict.file, onConflict.line)
			} else {
				onConflict.file, onConflict.line = name, p.OnConflict.Line
				c.compileOnConflict(name, p.OnConflict)
			}
		}
		if p.Comity != nil {
			if comity.file != "" {
				c.errorf(name, p.Comity.Line, "comity is given twice (first at %s:%d)", comity.file, comity.line)
			} else {
				comity.file, comity.line = name, p.Comity.Line
				c.compileComity(name, p.Comity)
			}
		}
		if p.USPersons != nil {
			if rb.usPersonDefault != nil {
				c.errorf(name, p.USPersons.Line, "us_persons is given twice")
			} else {
				rb.usPersonDefault = c.countrySet(name, p.USPersons.DefaultHomeCountries)
				rb.usLocations = c.countrySet(name, p.USPersons.LocatedIn)
			}
		}
	}
	if onConflict.file == "" {
		c.errorf(fileMain, 0, "no file gives on_conflict (which conflicts lead to a challenge)")
	}
	if comity.file == "" {
		c.errorf(fileMain, 0, "no file gives comity (18 U.S.C. 2703(h))")
	}
	if rb.usPersonDefault == nil {
		c.errorf(fileMain, 0, "no file gives us_persons (who is a US person when the case does not say)")
	}

	c.compileTransparency(main)
	c.compileMessages(main)
	c.compileNotify(main)
	c.compileDPAs(dpas)
}

func (c *compiler) compileCountries(doc *countriesFile) {
	rb := c.rb
	rb.countries = map[string]string{}
	for _, e := range doc.Countries {
		code := e.Key.Value
		if !countryCodePattern.MatchString(code) {
			c.errorf(fileCountries, e.Key.Line, "%q is not an ISO 3166-1 alpha-2 code (two capital letters)", code)
			continue
		}
		if strings.TrimSpace(e.Value) == "" {
			c.errorf(fileCountries, e.Key.Line, "country %s has no name", code)
		}
		rb.countries[code] = e.Value
		rb.countryCodes = append(rb.countryCodes, code)
	}
}

func (c *compiler) compileProvider(main *rulebookFile) {
	rb := c.rb
	rb.version = strings.TrimSpace(main.Version)
	if rb.version == "" {
		c.errorf(fileMain, 1, "version is empty")
	}
	rb.homeCountry = c.country(fileMain, main.Provider.HomeCountry)
	rb.euRepresentative = c.country(fileMain, main.Provider.EURepresentativeCountry)
	c.euRepLine = main.Provider.EURepresentativeCountry.Line
	tz := main.Provider.EURepresentativeTimezone
	loc, err := time.LoadLocation(tz.Value)
	if err != nil || tz.Value == "" || tz.Value == "Local" {
		c.errorf(fileMain, tz.Line, "eu_representative_timezone %q is not an IANA time zone such as Europe/Dublin", tz.Value)
		loc = time.UTC
	}
	rb.euClock = loc
}

// country checks a single country code.
func (c *compiler) country(file string, t token) string {
	if _, ok := c.rb.countries[t.Value]; !ok {
		c.errorf(file, t.Line, "unknown country code %q (see %s)", t.Value, fileCountries)
		return ""
	}
	return t.Value
}

func (c *compiler) compileLists() {
	rb := c.rb
	rb.lists = map[string]set{"countries": setOf(rb.countryCodes...)}
	c.listFiles = map[string]string{}
	c.resolving = map[string]bool{}
	for file := range c.listDocs {
		name := strings.TrimSuffix(path.Base(file), ".yaml")
		if !listNamePattern.MatchString(name) {
			// A list is named where country codes are written; a name that
			// could be read as a code would be ambiguous.
			c.errorf(file, 0, "a list's file name must be lower case letters, digits and -")
			continue
		}
		c.listFiles[name] = file
	}
	names := make([]string, 0, len(c.listFiles))
	for name := range c.listFiles {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c.list(name)
	}
	rb.listNames = append([]string{"countries"}, names...)
}

// list returns the members of a named list, expanding it on first use.
func (c *compiler) list(name string) (set, bool) {
	if s, ok := c.rb.lists[name]; ok {
		return s, true
	}
	file, ok := c.listFiles[name]
	if !ok {
		return nil, false
	}
	if c.resolving[name] {
		// Reported by item, which knows the line.
		return set{}, true
	}
	c.resolving[name] = true
	doc := c.listDocs[file]
	s := c.expand(file, doc.Include, doc.Exclude, true)
	c.resolving[name] = false
	c.rb.lists[name] = s
	return s, true
}

// countrySet resolves a country expression written in file.
func (c *compiler) countrySet(file string, e countryExpr) set {
	if len(e.Include) == 0 {
		c.errorf(file, e.Line, "the set of countries is empty")
	}
	return c.expand(file, e.Include, e.Exclude, false)
}

func (c *compiler) expand(file string, include, exclude []token, checkDuplicates bool) set {
	out := set{}
	seen := map[string]int{}
	for _, t := range include {
		if checkDuplicates {
			if first, dup := seen[t.Value]; dup {
				c.errorf(file, t.Line, "%s is listed twice (first on line %d)", t.Value, first)
			}
			seen[t.Value] = t.Line
		}
		for code := range c.item(file, t) {
			out[code] = true
		}
	}
	for _, t := range exclude {
		for code := range c.item(file, t) {
			delete(out, code)
		}
	}
	return out
}

// item resolves one item of a country expression: a code, a list's name or
// a provider setting.
func (c *compiler) item(file string, t token) set {
	v := t.Value
	switch {
	case countryCodePattern.MatchString(v):
		if _, ok := c.rb.countries[v]; !ok {
			c.errorf(file, t.Line, "unknown country code %q (see %s)", v, fileCountries)
			return nil
		}
		return setOf(v)
	case v == "provider.home_country":
		return setOf(c.rb.homeCountry)
	case v == "provider.eu_representative_country":
		return setOf(c.rb.euRepresentative)
	}
	if c.resolving[v] {
		c.errorf(file, t.Line, "list %s includes itself, directly or through other lists", v)
		c.listsBroken = true
		return nil
	}
	s, ok := c.list(v)
	if !ok {
		c.errorf(file, t.Line, "%q is neither a country code, nor a list in %s/, nor one of %s", v, dirLists, strings.Join(providerSettingNames, ", "))
		return nil
	}
	return s
}

func (c *compiler) compileVocabulary(main *rulebookFile) {
	rb := c.rb
	rb.categorySet = set{}
	for _, e := range main.Categories {
		rb.categories = append(rb.categories, e.Key.Value)
		rb.categorySet[e.Key.Value] = true
	}
	if !rb.categorySet[categoryContent] {
		c.errorf(fileMain, 1, "categories must include %q (customer-managed keys put it out of reach)", categoryContent)
	}
	rb.issuers = set{}
	for _, e := range main.Issuers {
		rb.issuers[e.Key.Value] = true
		rb.issuerCodes = append(rb.issuerCodes, e.Key.Value)
	}
	rb.validators = c.codes(fileMain, main.Validators, rb.issuers, "issuer")
	rb.exceptions = map[string]string{}
	rb.automaticReasons = map[string]string{}
	automatic := []string{ExceptionNationalSecurity, ExceptionEmergency}
	for _, e := range main.CustomerFirst.Exceptions {
		if slices.Contains(automatic, e.Key.Value) {
			c.errorf(fileMain, e.Key.Line, "%q is not a recorded exception: it applies by itself (automatic_exceptions)", e.Key.Value)
		}
		rb.exceptions[e.Key.Value] = e.Value
		rb.exceptionCodes = append(rb.exceptionCodes, e.Key.Value)
	}
	// The automatic exceptions are the code's, in the code's order; the
	// file explains each, and must explain exactly these.
	for i, e := range main.CustomerFirst.AutomaticExceptions {
		switch {
		case !slices.Contains(automatic, e.Key.Value):
			c.errorf(fileMain, e.Key.Line, "unknown automatic exception %q (known: %s)", e.Key.Value, strings.Join(automatic, ", "))
		case i >= len(automatic) || automatic[i] != e.Key.Value:
			c.errorf(fileMain, e.Key.Line, "automatic exceptions are reported in the order %s; list them so", strings.Join(automatic, ", "))
		}
		parseMessage(fileMain, e.Value, ctxPlain, c.errs)
		rb.automaticReasons[e.Key.Value] = e.Value.Text
	}
	if len(main.CustomerFirst.AutomaticExceptions) != len(automatic) {
		c.errorf(fileMain, 0, "customer_first.automatic_exceptions must explain %s", strings.Join(automatic, ", "))
	}
	rb.automaticExceptions = automatic
	rb.customerFirstKinds = c.codes(fileMain, main.CustomerFirst.CustomerKinds, setOf(customerKinds...), "customer kind")
	kinds := setOf(authorityKinds...)
	rb.defaultRequesterKinds = c.codes(fileMain, main.Requesters.DefaultKinds, kinds, "requester kind")
	rb.emergencyKinds = c.codes(fileMain, main.Requesters.EmergencyKinds, kinds, "requester kind")
}

// codes checks a list of codes against the known ones.
func (c *compiler) codes(file string, ts []token, known set, what string) set {
	out := set{}
	for _, t := range ts {
		if !known[t.Value] {
			c.errorf(file, t.Line, "unknown %s %q (known: %s)", what, t.Value, strings.Join(known.sorted(), ", "))
			continue
		}
		if out[t.Value] {
			c.errorf(file, t.Line, "%s %q is listed twice", what, t.Value)
		}
		out[t.Value] = true
	}
	return out
}

// categoryList checks categories and returns them sorted.
func (c *compiler) categoryList(file string, ts []token) []string {
	return c.codes(file, ts, c.rb.categorySet, "category").sorted()
}

func (c *compiler) compilePolicy(main *rulebookFile) {
	rb := c.rb
	p := main.Policy
	rb.objectionWindow = p.ObjectionWindow
	rb.longNDOAfter = p.LongNDOAfter
	rb.noticeReviewHour = p.NoticeReviewHourUTC
	if p.NoticeReviewHourUTC < 0 || p.NoticeReviewHourUTC > 23 {
		c.errorf(fileMain, p.Line, "notice_review_hour_utc must be an hour from 0 to 23")
	}
}

// compileTransparency reads the structures of 50 U.S.C. 1874(a) and the
// report's settings. It runs after the instruments, which classes names.
func (c *compiler) compileTransparency(main *rulebookFile) {
	t := main.Transparency
	out := Transparency{
		IncludeForeignNationalSecurity: t.IncludeForeignNationalSecurity,
		structures:                     map[string]BandStructure{},
		classes:                        map[string]string{},
	}
	for _, e := range t.Structures {
		d := e.Value
		s := BandStructure{Code: e.Key.Value, Citation: strings.TrimSpace(d.Citation), Band: d.Band}
		if d.Band <= 0 {
			c.errorf(fileMain, d.Line, "structure %s: band must be a positive number", s.Code)
		}
		period := func(tok token, what string) string {
			if !slices.Contains(bandPeriods, tok.Value) {
				c.errorf(fileMain, d.Line, "structure %s: %s must be one of %s", s.Code, what, strings.Join(bandPeriods, ", "))
			}
			return tok.Value
		}
		switch d.Figures.Value {
		case "combined":
			s.Period = period(d.Period, "period")
			if d.NSLPeriod.Value != "" || d.FISAPeriod.Value != "" {
				c.errorf(fileMain, d.Line, "structure %s: combined figures have one period; remove nsl_period and fisa_period", s.Code)
			}
		case "separate":
			s.Separate = true
			s.NSLPeriod = period(d.NSLPeriod, "nsl_period")
			s.FISAPeriod = period(d.FISAPeriod, "fisa_period")
			if d.Period.Value != "" {
				c.errorf(fileMain, d.Line, "structure %s: separate figures have nsl_period and fisa_period; remove period", s.Code)
			}
		default:
			c.errorf(fileMain, d.Figures.Line, "structure %s: figures must be combined or separate, found %q", s.Code, d.Figures.Value)
		}
		out.structures[s.Code] = s
		out.codes = append(out.codes, s.Code)
	}
	chosen, ok := out.structures[t.NationalSecurityBands.Value]
	if !ok {
		c.errorf(fileMain, t.NationalSecurityBands.Line, "national_security_bands %q is none of the structures (%s)", t.NationalSecurityBands.Value, strings.Join(out.codes, ", "))
	}
	out.Structure = chosen
	for _, e := range t.Classes {
		if c.rb.instruments[e.Key.Value] == nil {
			c.errorf(fileMain, e.Key.Line, "unknown instrument %q", e.Key.Value)
			continue
		}
		if !slices.Contains(classesGiven, e.Value.Value) {
			c.errorf(fileMain, e.Value.Line, "unknown class %q (known: %s)", e.Value.Value, strings.Join(classesGiven, ", "))
		}
		out.classes[e.Key.Value] = e.Value.Value
	}
	if len(out.classes) == 0 {
		c.errorf(fileMain, t.Line, "transparency.classes names no instrument of US national-security process")
	}
	c.rb.transparency = out
}

func (c *compiler) compileInstrument(file string, doc *instrumentDoc) *instrument {
	rb := c.rb
	in := &instrument{
		code:                  doc.Code.Value,
		name:                  strings.TrimSpace(doc.Name),
		citation:              strings.TrimSpace(doc.Citation),
		preserveOnly:          doc.PreserveOnly,
		preserveUntilProduced: doc.PreserveUntilProduced,
		confidential:          doc.Confidential,
		nationalSecurity:      doc.NationalSecurity,
		claimsEmergency:       doc.ClaimsEmergency,
		excludesUSPersons:     doc.ExcludesUSPersons,
		messages:              map[string]message{},
	}
	if !instrumentCodePattern.MatchString(in.code) {
		c.errorf(file, doc.Code.Line, "instrument code %q must be lower case letters, digits and _", in.code)
	}
	if in.name == "" {
		c.errorf(file, doc.Line, "instrument %s has no name", in.code)
	}
	if in.citation == "" {
		c.errorf(file, doc.Line, "instrument %s has no citation", in.code)
	}
	in.countries = c.countrySet(file, doc.AuthorityCountries)
	in.countriesText = doc.AuthorityCountries.String()
	in.requesterKinds = rb.defaultRequesterKinds
	if doc.RequesterKinds != nil {
		in.requesterKinds = c.codes(file, doc.RequesterKinds, setOf(authorityKinds...), "requester kind")
	}
	c.compileInForce(file, in, doc)

	switch {
	case doc.IssuedBy != nil && doc.EffectiveIssuer != nil:
		c.errorf(file, doc.EffectiveIssuer.Line, "instrument %s gives both issued_by and effective_issuer; an EU order has only effective_issuer", in.code)
	case doc.IssuedBy != nil:
		in.anyone = doc.IssuedBy.Anyone
		if !in.anyone {
			in.issuers = c.codes(file, doc.IssuedBy.Issuers, rb.issuers, "issuer")
			if len(in.issuers) == 0 {
				c.errorf(file, doc.IssuedBy.Line, "instrument %s: issued_by lists no issuer; write \"anyone\" if anyone may issue it", in.code)
			}
		}
	case doc.EffectiveIssuer != nil:
		in.eff = c.compileEffectiveIssuer(file, in, doc.EffectiveIssuer)
	default:
		c.errorf(file, doc.Line, "instrument %s: missing key \"issued_by\" (or \"effective_issuer\" for an EU order)", in.code)
	}

	in.compels = c.categoryList(file, doc.Compels)
	if doc.CompelsInVerifiedEmergency != nil {
		in.compelsInEmergency = c.categoryList(file, doc.CompelsInVerifiedEmergency)
	}
	c.compileProfiles(file, in, doc)
	switch {
	case in.preserveOnly && len(doc.Compels) > 0:
		c.errorf(file, doc.Compels[0].Line, "instrument %s preserves only, so it compels nothing; remove compels", in.code)
	case !in.preserveOnly && in.eff == nil && len(doc.Compels) == 0:
		c.errorf(file, doc.Line, "instrument %s compels no category; mark it preserve_only or list what it compels", in.code)
	case in.eff != nil && len(doc.Compels) > 0:
		c.errorf(file, doc.Compels[0].Line, "instrument %s: what an EU order compels follows from its effective issuer; give it under effective_issuer.compels", in.code)
	}

	if y := doc.SeriousCrimeMinMaxYears; y != nil {
		in.seriousCrimeYears = *y
		if *y <= 0 {
			c.errorf(file, doc.Line, "instrument %s: serious_crime_min_max_years must be positive", in.code)
		}
	}
	if in.preserveUntilProduced && in.preserveOnly {
		c.errorf(file, doc.Line, "instrument %s preserves only; preserve_until_produced is for an order to produce", in.code)
	}
	if t := doc.OffenceThreshold; t != nil {
		in.offence = &offenceThreshold{categories: setOf(c.categoryList(file, t.Categories)...), minYears: t.MinMaxYears}
		if t.MinMaxYears <= 0 {
			c.errorf(file, t.Line, "min_max_years must be positive")
		}
	}
	if n := doc.EnforcingAuthorityNotification; n != nil {
		in.notification = setOf(c.categoryList(file, n.Categories)...)
	}
	c.compileInstrumentDeadlines(file, in, doc.Deadlines)
	for _, e := range doc.Messages {
		if !slices.Contains(allDeficiencies, e.Key.Value) {
			c.errorf(file, e.Key.Line, "unknown deficiency %q (known: %s)", e.Key.Value, strings.Join(allDeficiencies, ", "))
			continue
		}
		in.messages[e.Key.Value] = parseMessage(file, e.Value, ctxDeficiency, c.errs)
	}
	return in
}

// compileInForce reads an instrument's in-force window: dates taken at
// 00:00 UTC, the last day included (rulebook.md §1).
func (c *compiler) compileInForce(file string, in *instrument, doc *instrumentDoc) {
	date := func(t *token, what string) *time.Time {
		if t == nil {
			return nil
		}
		d, err := ParseDate(t.Value)
		if err != nil {
			c.errorf(file, t.Line, "instrument %s: %s %q is not a date of the form YYYY-MM-DD", in.code, what, t.Value)
			return nil
		}
		at := d.Time()
		return &at
	}
	in.inForceFrom = date(doc.InForceFrom, "in_force_from")
	if until := date(doc.InForceUntil, "in_force_until"); until != nil {
		end := until.AddDate(0, 0, 1)
		in.inForceUntil = &end
		if doc.NoSunset {
			// A FISA order or directive binds until the court sets it aside:
			// a date test would reject process that still binds the provider.
			c.errorf(file, doc.InForceUntil.Line, "instrument %s has no_sunset: it never ends by date, so it takes no in_force_until", in.code)
		}
		if in.inForceFrom != nil && !in.inForceFrom.Before(end) {
			c.errorf(file, doc.InForceUntil.Line, "instrument %s: in_force_until is before in_force_from", in.code)
		}
	}
	switch {
	case doc.InForceFrom != nil && doc.InForceUntil != nil:
		in.inForceText = "from " + doc.InForceFrom.Value + " to " + doc.InForceUntil.Value
	case doc.InForceFrom != nil:
		in.inForceText = "from " + doc.InForceFrom.Value
	case doc.InForceUntil != nil:
		in.inForceText = "until " + doc.InForceUntil.Value
	default:
		in.inForceText = "always"
	}
}

// compileProfiles reads what requesting countries' laws change for an
// instrument (by_authority_country).
func (c *compiler) compileProfiles(file string, in *instrument, doc *instrumentDoc) {
	if len(doc.ByAuthorityCountry) == 0 {
		return
	}
	if in.preserveOnly || in.eff != nil {
		c.errorf(file, doc.ByAuthorityCountry[0].Key.Line, "instrument %s: by_authority_country changes what an instrument compels, and this one's reach follows from elsewhere", in.code)
		return
	}
	in.profiles = map[string]*countryProfile{}
	for _, e := range doc.ByAuthorityCountry {
		country := c.country(file, e.Key)
		p := e.Value
		prof := &countryProfile{source: strings.TrimSpace(p.Source)}
		if p.Compels != nil {
			prof.compels = c.categoryList(file, p.Compels)
		}
		if p.CompelsInVerifiedEmergency != nil {
			prof.compelsInEmergency = c.categoryList(file, p.CompelsInVerifiedEmergency)
		}
		if p.Compels == nil && p.CompelsInVerifiedEmergency == nil {
			c.errorf(file, p.Line, "instrument %s: the entry for %s changes nothing", in.code, e.Key.Value)
		}
		if prof.source == "" {
			c.errorf(file, p.Line, "instrument %s: the entry for %s needs a source", in.code, e.Key.Value)
		}
		if country != "" && !in.countries[country] {
			c.errorf(file, e.Key.Line, "instrument %s: %s may not use it (authority_countries)", in.code, country)
		}
		in.profiles[country] = prof
	}
}

func (c *compiler) compileEffectiveIssuer(file string, in *instrument, doc *effectiveIssuerDoc) *effectiveIssuer {
	ranked := c.codes(file, doc.Ranked, c.rb.issuers, "issuer")
	eff := &effectiveIssuer{compels: map[string][]string{}}
	for _, t := range doc.Ranked {
		if ranked[t.Value] && !slices.Contains(eff.ranked, t.Value) {
			eff.ranked = append(eff.ranked, t.Value)
		}
	}
	if len(eff.ranked) == 0 {
		c.errorf(file, doc.Line, "instrument %s: effective_issuer.ranked lists no issuer", in.code)
	}
	for _, e := range doc.Compels {
		k := e.Key.Value
		if k != noIssuer && !ranked[k] {
			c.errorf(file, e.Key.Line, "instrument %s: %q is not an effective issuer (ranked: %s, or %s)", in.code, k, strings.Join(eff.ranked, ", "), noIssuer)
			continue
		}
		eff.compels[k] = c.categoryList(file, e.Value)
	}
	if in.preserveOnly {
		if len(doc.Compels) > 0 {
			c.errorf(file, doc.Compels[0].Key.Line, "instrument %s preserves only, so it compels nothing; remove compels", in.code)
		}
	} else {
		for _, k := range append(slices.Clone(eff.ranked), noIssuer) {
			if _, ok := eff.compels[k]; !ok {
				c.errorf(file, doc.Line, "instrument %s: effective_issuer.compels does not say what %s may order", in.code, k)
			}
		}
	}
	if doc.EmergencyWithoutValidation != nil {
		eff.emergencyCat = c.categoryList(file, doc.EmergencyWithoutValidation)
		eff.emergency = setOf(eff.emergencyCat...)
	}
	return eff
}

func (c *compiler) compileInstrumentDeadlines(file string, in *instrument, docs []instrumentDeadlineDoc) {
	seen := map[string]bool{}
	for _, d := range docs {
		code := d.Code.Value
		if !slices.Contains(instrumentDeadlines, code) {
			c.errorf(file, d.Code.Line, "unknown deadline %q for an instrument (known: %s)", code, strings.Join(instrumentDeadlines, ", "))
			continue
		}
		when := d.When.Value
		if when == "" {
			when = whenAlways
		}
		if !slices.Contains(deadlineConditions, when) {
			c.errorf(file, d.When.Line, "unknown condition %q (known: %s)", when, strings.Join(deadlineConditions, ", "))
		}
		if seen[code+"/"+when] {
			c.errorf(file, d.Code.Line, "deadline %s when %s is given twice for %s", code, when, in.code)
		}
		seen[code+"/"+when] = true
		switch {
		case when == whenNeedsNotification && in.notification == nil:
			c.errorf(file, d.When.Line, "instrument %s has a deadline when it needs notification, but no enforcing_authority_notification", in.code)
		case when == whenEmergencyWithoutValidation && (in.eff == nil || in.eff.emergency == nil):
			c.errorf(file, d.When.Line, "instrument %s has a deadline for emergencies without validation, but no effective_issuer.emergency_without_validation", in.code)
		}
		dl := instrumentDeadline{
			code:        code,
			when:        when,
			within:      d.Within,
			inEmergency: d.InEmergency,
			notAfterDue: d.NotAfterDue,
			source:      strings.TrimSpace(d.Source),
			text:        parseMessage(file, d.Message, ctxDeadline, c.errs),
		}
		switch d.DaysCounted.Value {
		case "":
		case daysEnforcingStateCalendar:
			dl.calendar = true
			if d.Within == nil || d.Within.D%(24*time.Hour) != 0 {
				c.errorf(file, d.DaysCounted.Line, "deadline %s of %s: a period counted on a calendar must be given in days", code, in.code)
			}
		default:
			c.errorf(file, d.DaysCounted.Line, "unknown days_counted %q (known: %s)", d.DaysCounted.Value, daysEnforcingStateCalendar)
		}
		if len(d.ByAuthorityCountry) > 0 {
			dl.byCountry = map[string]countryPeriod{}
			for _, e := range d.ByAuthorityCountry {
				country := c.country(file, e.Key)
				if strings.TrimSpace(e.Value.Source) == "" {
					c.errorf(file, e.Value.Line, "deadline %s of %s: the period of %s needs a source", code, in.code, e.Key.Value)
				}
				if country != "" && !in.countries[country] {
					c.errorf(file, e.Key.Line, "instrument %s: %s may not use it (authority_countries)", in.code, country)
				}
				dl.byCountry[country] = countryPeriod{within: e.Value.Within, source: strings.TrimSpace(e.Value.Source)}
			}
		}
		if d.Within == nil && dl.byCountry == nil {
			c.errorf(file, d.Line, "deadline %s of %s: missing key \"within\" (or by_authority_country)", code, in.code)
		}
		if d.Within != nil && dl.source == "" && dl.byCountry != nil {
			c.errorf(file, d.Line, "deadline %s of %s: a default period beside countries' own periods needs its source", code, in.code)
		}
		in.deadlines = append(in.deadlines, dl)
	}
}

// instrumentSet checks instrument codes named outside their definition.
func (c *compiler) instrumentSet(file string, ts []token) set {
	out := set{}
	for _, t := range ts {
		if c.rb.instruments[t.Value] == nil {
			c.errorf(file, t.Line, "unknown instrument %q", t.Value)
			continue
		}
		out[t.Value] = true
	}
	return out
}

func (c *compiler) compileConflict(file string, doc *conflictDoc) {
	rb := c.rb
	code := doc.Code.Value
	if !conflictCodePattern.MatchString(code) {
		c.errorf(file, doc.Code.Line, "conflict code %q must be capital letters, digits and _", code)
	}
	for _, other := range rb.conflicts {
		if other.code == code {
			c.errorf(file, doc.Code.Line, "conflict %s is defined twice", code)
			return
		}
	}
	r := &conflictRule{code: code, text: parseMessage(file, doc.Message, ctxConflict, c.errs)}
	w := doc.When
	opt := func(e *countryExpr) set {
		if e == nil {
			return nil
		}
		return c.countrySet(file, *e)
	}
	r.authorityIn = opt(w.AuthorityCountryIn)
	r.authorityNotIn = opt(w.AuthorityCountryNotIn)
	r.dataIn = opt(w.DataSoughtIn)
	r.homeIn = opt(w.CustomerHomeIn)
	r.dataOrHomeIn = opt(w.DataSoughtOrCustomerHomeIn)
	if w.CustomerKindNotIn != nil {
		r.kindNotIn = c.codes(file, w.CustomerKindNotIn, setOf(customerKinds...), "customer kind")
	}
	if w.CategoriesAsked != nil {
		r.categories = setOf(c.categoryList(file, w.CategoriesAsked)...)
	}
	if w.InstrumentNotIn != nil {
		r.instrumentNotIn = c.instrumentSet(file, w.InstrumentNotIn)
	}
	if w.UnlessSufficientInstrumentIn != nil {
		r.unlessSufficient = c.instrumentSet(file, w.UnlessSufficientInstrumentIn)
	}
	if w.UnlessVerifiedEmergencyInstrumentIn != nil {
		r.unlessVerifiedEmergency = c.instrumentSet(file, w.UnlessVerifiedEmergencyInstrumentIn)
	}
	if r.authorityIn == nil && r.authorityNotIn == nil && r.dataIn == nil && r.homeIn == nil && r.dataOrHomeIn == nil &&
		r.kindNotIn == nil && r.categories == nil && r.instrumentNotIn == nil {
		c.errorf(file, w.Line, "conflict %s has no condition: it would hold for every demand", code)
	}
	rb.conflicts = append(rb.conflicts, r)
}

func (c *compiler) compileOnConflict(file string, doc *onConflictDoc) {
	c.rb.decline = c.instrumentSet(file, doc.Decline.Instruments)
	c.rb.challenge.authorityCountries = c.countrySet(file, doc.Challenge.AuthorityCountries)
	c.rb.challenge.instruments = c.instrumentSet(file, doc.Challenge.Instruments)
}

func (c *compiler) compileComity(file string, doc *comityDoc) {
	cr := &c.rb.comityRule
	s := doc.StatutoryMotion
	cr.statutory.instruments = c.instrumentSet(file, s.Instruments)
	cr.statutory.authorityCountries = c.countrySet(file, s.AuthorityCountries)
	cr.statutory.categories = setOf(c.categoryList(file, s.Categories)...)
	cr.statutory.residenceNotIn = c.countrySet(file, s.ResidenceNotIn)
	cr.statutory.qualifying = c.countrySet(file, s.QualifyingGovernments)
	cr.statutory.fileWithin = s.FileWithin
	cr.statutory.text = parseMessage(file, s.Message, ctxComity, c.errs)
	cr.statutory.deadlineText = parseMessage(file, s.DeadlineMessage, ctxDeadline, c.errs)
	l := doc.CommonLawChallenge
	cr.commonLaw.instruments = c.instrumentSet(file, l.Instruments)
	cr.commonLaw.authorityCountries = c.countrySet(file, l.AuthorityCountries)
	cr.commonLaw.text = parseMessage(file, l.Message, ctxComity, c.errs)
	cr.neitherText = parseMessage(file, doc.NeitherMessage, ctxComity, c.errs)
	cr.notApplicableText = parseMessage(file, doc.NotApplicableMessage, ctxComity, c.errs)
}

func (c *compiler) compileMessages(main *rulebookFile) {
	rb := c.rb
	cf := main.CustomerFirst.Messages
	rb.customerFirstText.applies = parseMessage(fileMain, cf.Applies, ctxCustomerFirst, c.errs)
	rb.customerFirstText.excepted = parseMessage(fileMain, cf.Excepted, ctxCustomerFirst, c.errs)
	rb.customerFirstText.notApplicable = parseMessage(fileMain, cf.NotApplicable, ctxCustomerFirst, c.errs)
	rb.customerFirstText.notApplicableExcepted = parseMessage(fileMain, cf.NotApplicableExcepted, ctxCustomerFirst, c.errs)
	rb.customerFirstText.automatic = parseMessage(fileMain, cf.Automatic, ctxCustomerFirst, c.errs)

	n := main.Notice
	rb.noticeText = map[string]message{
		NoticeProhibited:       parseMessage(fileMain, n.Prohibited, ctxNotice, c.errs),
		NoticeDelayed:          parseMessage(fileMain, n.Delayed, ctxNotice, c.errs),
		noticeDelayedForever:   parseMessage(fileMain, n.DelayedIndefinitely, ctxNotice, c.errs),
		noticeConfidential:     parseMessage(fileMain, n.Confidential, ctxNotice, c.errs),
		NoticeNone:             parseMessage(fileMain, n.None, ctxNotice, c.errs),
		NoticeAfterEmergency:   parseMessage(fileMain, n.AfterEmergency, ctxNotice, c.errs),
		NoticeWithRedirect:     parseMessage(fileMain, n.WithRedirect, ctxNotice, c.errs),
		NoticeBeforeDisclosure: parseMessage(fileMain, n.BeforeDisclosure, ctxNotice, c.errs),
	}

	rb.deadlineText = c.messageTable(main.Deadlines, explainedByRulebook, "deadline", ctxDeadline)
	rb.deficiencyText = c.messageTable(main.Deficiencies, allDeficiencies, "deficiency", ctxDeficiency)
	rb.flagText = map[string]string{}
	for code := range c.messageTable(main.Flags, allFlags, "flag", ctxPlain) {
		for _, e := range main.Flags {
			if e.Key.Value == code {
				rb.flagText[code] = e.Value.Text
			}
		}
	}
}

// Keys of the notice messages beside the timings: a non-disclosure order
// without end date, and an EU order kept confidential.
const (
	noticeDelayedForever = "delayed_indefinitely"
	noticeConfidential   = "confidential"
)

// messageTable reads a mapping of code → message that must cover exactly
// the codes writ knows.
func (c *compiler) messageTable(entries ordered[messageText], codes []string, what string, ctx msgContext) map[string]message {
	out := map[string]message{}
	for _, e := range entries {
		if !slices.Contains(codes, e.Key.Value) {
			c.errorf(fileMain, e.Key.Line, "unknown %s %q (known: %s)", what, e.Key.Value, strings.Join(codes, ", "))
			continue
		}
		out[e.Key.Value] = parseMessage(fileMain, e.Value, ctx, c.errs)
	}
	for _, code := range codes {
		if _, ok := out[code]; !ok {
			c.errorf(fileMain, 0, "no message for %s %s", what, code)
		}
	}
	return out
}

func (c *compiler) compileNotify(main *rulebookFile) {
	rb := c.rb
	d := main.NotifyAuthorities.DPA
	known := set{}
	for _, r := range rb.conflicts {
		known[r.code] = true
	}
	rb.notifyDPA.conflicts = c.codes(fileMain, d.Conflicts, known, "conflict")
	rb.notifyDPA.routes = c.codes(fileMain, d.Routes, setOf(allRoutes...), "route")
	rb.notifyDPA.unlessNotice = c.codes(fileMain, d.UnlessNotice, setOf(allTimings...), "notice timing")
	rb.notifyDPA.subdivisionKinds = c.codes(fileMain, d.SubdivisionForKinds, setOf(customerKinds...), "customer kind")
	rb.notifyDPA.text = parseMessage(fileMain, d.Message, ctxNotify, c.errs)
}

func (c *compiler) compileDPAs(doc *dpasFile) {
	rb := c.rb
	rb.dpas = map[string]DPA{}
	area, ok := c.list(doc.For.Value)
	if !ok {
		c.errorf(fileDPAs, doc.For.Line, "unknown list %q", doc.For.Value)
		return
	}
	if c.listsBroken {
		return
	}
	for _, e := range doc.Authorities {
		code := e.Key.Value
		country := code
		if subdivisionPattern.MatchString(code) {
			// A subdivision whose authority supervises private bodies
			// (ISO 3166-2): it must say when it was checked.
			country = code[:2]
			if strings.TrimSpace(e.Value.Checked) == "" {
				c.errorf(fileDPAs, e.Key.Line, "the authority of %s needs checked: when and against what its details were checked, or that they were not", code)
			}
		}
		if _, known := rb.countries[country]; !known {
			c.errorf(fileDPAs, e.Key.Line, "unknown country code %q (see %s)", code, fileCountries)
			continue
		}
		if !area[country] {
			c.errorf(fileDPAs, e.Key.Line, "%s is not in the list %s, so it has no data protection authority here", code, doc.For.Value)
			continue
		}
		a := e.Value
		if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.Address) == "" {
			c.errorf(fileDPAs, e.Key.Line, "the authority of %s needs a name and an address", code)
		}
		rb.dpas[code] = DPA{Key: code, Country: country, Name: a.Name, Email: a.Email, Address: a.Address, Website: a.Website, Checked: strings.TrimSpace(a.Checked)}
	}
	for _, code := range area.sorted() {
		if _, ok := rb.dpas[code]; !ok {
			c.errorf(fileDPAs, doc.For.Line, "%s is in the list %s but has no data protection authority", code, doc.For.Value)
		}
	}
	if rb.euRepresentative != "" && !area[rb.euRepresentative] {
		c.errorf(fileMain, c.euRepLine, "provider.eu_representative_country %s is not in the list %s", rb.euRepresentative, doc.For.Value)
	}
}
