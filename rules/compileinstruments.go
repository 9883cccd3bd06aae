package rules

import (
	"slices"
	"strings"
	"time"
)

// compileInstrument checks and compiles one instrument's file.
//
// Long because: it reads the file's sections in their order, each a few lines
// over the instrument being built; split, that order would be lost.
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
