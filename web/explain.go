package web

import "writ/i18n"

// The explanations agencies read on their pages when the rulebook finds a
// demand deficient or the store refuses a field. The rulebook and the
// store write them in English, the language the law as data is written
// and reviewed in, with the particulars of the case (the citation, the
// years of a threshold, the value refused); an English reader sees them so.
// A reader of another language sees the catalog's words for the same
// code: "deficiency.<code>" for a deficiency, "fielderror.<field>" for a
// field of the agency's form, each a complete statement without the
// particulars, which the demand's own page shows beside it.

// deficiencyIn is a deficiency's explanation in p's language.
func deficiencyIn(p *i18n.Printer, code, message string) string {
	if p.Lang() == i18n.English && message != "" {
		return message
	}
	return p.T("deficiency." + code)
}

// fieldErrorIn is a refused submission's message in p's language: what
// the form field at fault (formField) takes, or, without one, that the
// demand was not taken in. An internal error keeps writ's own words.
func fieldErrorIn(p *i18n.Printer, f failure, field string) string {
	switch {
	case f.Code == "EINTERNAL":
		return p.T("error.internal")
	case p.Lang() == i18n.English:
		return f.Message
	case field != "" && p.Has("fielderror."+field):
		return p.T("fielderror." + field)
	case field != "":
		return p.T("fielderror.other")
	}
	return p.T("fielderror.none")
}
