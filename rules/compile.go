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

// compile checks and compiles the rulebook's files into c.rb.
//
// Long because: it is the order in which the files and their sections are
// read, one call or check each; the order is the point.
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
