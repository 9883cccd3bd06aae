package rules

// comity is rulebook.md §7: the CLOUD Act's statutory motion and the
// common-law challenge, open only against US compulsory process in force.
func (rb *Rulebook) comity(f *facts, conflicted bool) Comity {
	s, l := &rb.comityRule.statutory, &rb.comityRule.commonLaw
	code, authority := f.inst.code, f.d.Authority.Country
	var c Comity
	qualifying := f.qualifyingGovernment(s.qualifying)
	c.StatutoryMotion = f.inForce && s.instruments[code] && s.authorityCountries[authority] && f.asksAny(s.categories) &&
		!f.usPerson && !s.residenceNotIn[f.d.SubjectResidence] && qualifying != ""
	c.CommonLawChallenge = f.inForce && l.instruments[code] && l.authorityCountries[authority] && !c.StatutoryMotion && conflicted
	text := rb.comityRule.notApplicableText
	switch {
	case c.StatutoryMotion:
		text = s.text
	case c.CommonLawChallenge:
		text = l.text
	case f.inForce && (s.instruments[code] || l.instruments[code]):
		text = rb.comityRule.neitherText
	}
	c.Message = text.render(f, "within", s.fileWithin.Text, "qualifying", rb.CountryName(qualifying))
	return c
}

// qualifyingGovernment returns the first of the customer's home country,
// the person's residence and the locations sought that is in q, or "".
func (f *facts) qualifyingGovernment(q set) string {
	candidates := append([]string{f.c.Customer.HomeCountry, f.d.SubjectResidence}, f.sought...)
	for _, c := range candidates {
		if q[c] {
			return c
		}
	}
	return ""
}
