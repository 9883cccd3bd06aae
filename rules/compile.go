package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
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
	for _, e := range main.CustomerFirst.Exceptions {
		if e.Key.Value == ExceptionEmergency {
			c.errorf(fileMain, e.Key.Line, "%q is not a recorded exception: an emergency is its own exception", ExceptionEmergency)
		}
		rb.exceptions[e.Key.Value] = e.Value
		rb.exceptionCodes = append(rb.exceptionCodes, e.Key.Value)
	}
	rb.customerFirstKinds = c.codes(fileMain, main.CustomerFirst.CustomerKinds, setOf(customerKinds...), "customer kind")
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
	rb.nationalSecurityBand = p.NationalSecurityBand
	if p.NationalSecurityBand <= 0 {
		c.errorf(fileMain, p.Line, "national_security_band must be a positive number")
	}
}

func (c *compiler) compileInstrument(file string, doc *instrumentDoc) *instrument {
	rb := c.rb
	in := &instrument{
		code:              doc.Code.Value,
		name:              strings.TrimSpace(doc.Name),
		citation:          strings.TrimSpace(doc.Citation),
		preserveOnly:      doc.PreserveOnly,
		nationalSecurity:  doc.NationalSecurity,
		claimsEmergency:   doc.ClaimsEmergency,
		excludesUSPersons: doc.ExcludesUSPersons,
		messages:          map[string]message{},
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
	switch {
	case in.preserveOnly && len(doc.Compels) > 0:
		c.errorf(file, doc.Compels[0].Line, "instrument %s preserves only, so it compels nothing; remove compels", in.code)
	case !in.preserveOnly && in.eff == nil && len(doc.Compels) == 0:
		c.errorf(file, doc.Line, "instrument %s compels no category; mark it preserve_only or list what it compels", in.code)
	case in.eff != nil && len(doc.Compels) > 0:
		c.errorf(file, doc.Compels[0].Line, "instrument %s: what an EU order compels follows from its effective issuer; give it under effective_issuer.compels", in.code)
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

func (c *compiler) compileEffectiveIssuer(file string, in *instrument, doc *effectiveIssuerDoc) *effectiveIssuer {
	eff := &effectiveIssuer{
		from:    c.codes(file, doc.From, c.rb.issuers, "issuer"),
		compels: map[string][]string{},
	}
	for _, e := range doc.Compels {
		k := e.Key.Value
		if k != noIssuer && !eff.from[k] {
			c.errorf(file, e.Key.Line, "instrument %s: %q is not an effective issuer (from: %s, or %s)", in.code, k, strings.Join(eff.from.sorted(), ", "), noIssuer)
			continue
		}
		eff.compels[k] = c.categoryList(file, e.Value)
	}
	if in.preserveOnly {
		if len(doc.Compels) > 0 {
			c.errorf(file, doc.Compels[0].Key.Line, "instrument %s preserves only, so it compels nothing; remove compels", in.code)
		}
	} else {
		for _, k := range append(eff.from.sorted(), noIssuer) {
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
		in.deadlines = append(in.deadlines, instrumentDeadline{
			code:        code,
			when:        when,
			within:      d.Within,
			inEmergency: d.InEmergency,
			text:        parseMessage(file, d.Message, ctxDeadline, c.errs),
		})
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
	r.dataIn = opt(w.DataStoredIn)
	r.homeIn = opt(w.CustomerHomeIn)
	r.dataOrHomeIn = opt(w.DataOrCustomerHomeIn)
	if w.CustomerKindNotIn != nil {
		r.kindNotIn = c.codes(file, w.CustomerKindNotIn, setOf(customerKinds...), "customer kind")
	}
	if w.CategoriesAsked != nil {
		r.categories = setOf(c.categoryList(file, w.CategoriesAsked)...)
	}
	if w.InstrumentNotIn != nil {
		r.instrumentNotIn = c.instrumentSet(file, w.InstrumentNotIn)
	}
	if r.authorityIn == nil && r.authorityNotIn == nil && r.dataIn == nil && r.homeIn == nil && r.dataOrHomeIn == nil &&
		r.kindNotIn == nil && r.categories == nil && r.instrumentNotIn == nil {
		c.errorf(file, w.Line, "conflict %s has no condition: it would hold for every demand", code)
	}
	rb.conflicts = append(rb.conflicts, r)
}

func (c *compiler) compileOnConflict(file string, doc *onConflictDoc) {
	c.rb.challenge.authorityCountries = c.countrySet(file, doc.Challenge.AuthorityCountries)
	c.rb.challenge.instruments = c.instrumentSet(file, doc.Challenge.Instruments)
}

func (c *compiler) compileComity(file string, doc *comityDoc) {
	cr := &c.rb.comityRule
	s := doc.StatutoryMotion
	cr.statutory.instruments = c.instrumentSet(file, s.Instruments)
	cr.statutory.authorityCountries = c.countrySet(file, s.AuthorityCountries)
	cr.statutory.categories = setOf(c.categoryList(file, s.Categories)...)
	cr.statutory.customerHomes = c.countrySet(file, s.CustomerHomeIn)
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

	n := main.Notice
	rb.noticeText = map[string]message{
		NoticeProhibited:       parseMessage(fileMain, n.Prohibited, ctxNotice, c.errs),
		NoticeDelayed:          parseMessage(fileMain, n.Delayed, ctxNotice, c.errs),
		noticeDelayedForever:   parseMessage(fileMain, n.DelayedIndefinitely, ctxNotice, c.errs),
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

// noticeDelayedForever keys the message of a non-disclosure order without
// end date.
const noticeDelayedForever = "delayed_indefinitely"

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
		if _, known := rb.countries[code]; !known {
			c.errorf(fileDPAs, e.Key.Line, "unknown country code %q (see %s)", code, fileCountries)
			continue
		}
		if !area[code] {
			c.errorf(fileDPAs, e.Key.Line, "%s is not in the list %s, so it has no data protection authority here", code, doc.For.Value)
			continue
		}
		a := e.Value
		if strings.TrimSpace(a.Name) == "" || strings.TrimSpace(a.Address) == "" {
			c.errorf(fileDPAs, e.Key.Line, "the authority of %s needs a name and an address", code)
		}
		rb.dpas[code] = DPA{Country: code, Name: a.Name, Email: a.Email, Address: a.Address, Website: a.Website}
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
