package notify

import (
	"writ"
	"writ/i18n"
	"writ/rules"
)

// authorityLanguage is the language of a letter or notification to an
// authority of a country about demand d: for an authority of the European
// Union, the language of the demand (the one it was written in, or its
// issuing authority asks to be answered in) where writ speaks it; else,
// and for every other authority, the language of its country.
func authorityLanguage(rb *rules.Rulebook, d writ.Demand, country string) string {
	if rb.IsEU(country) && i18n.Valid(d.Language) {
		return d.Language
	}
	return i18n.ForCountry(country)
}
