package rules

// comity is rulebook.md §7: the CLOUD Act's statutory motion and the
// common-law challenge, open only against US compulsory process.
func (rb *Rulebook) comity(f *facts, conflicted bool) Comity {
	s, l := &rb.comityRule.statutory, &rb.comityRule.commonLaw
	code, authority := f.inst.code, f.d.Authority.Country
	var c Comity
	c.StatutoryMotion = s.instruments[code] && s.authorityCountries[authority] && f.asksAny(s.categories) &&
		!f.usPerson && s.customerHomes[f.c.Customer.HomeCountry]
	c.CommonLawChallenge = l.instruments[code] && l.authorityCountries[authority] && !c.StatutoryMotion && conflicted
	text := rb.comityRule.notApplicableText
	switch {
	case c.StatutoryMotion:
		text = s.text
	case c.CommonLawChallenge:
		text = l.text
	case s.instruments[code] || l.instruments[code]:
		text = rb.comityRule.neitherText
	}
	c.Message = text.render(f, "within", s.fileWithin.Text)
	return c
}
