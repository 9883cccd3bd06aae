package rules

import (
	"slices"
	"time"
)

// Rulebook is a loaded and checked rulebook. It is immutable and safe for
// concurrent use; load it once and share it.
type Rulebook struct {
	version          string
	homeCountry      string
	euRepresentative string

	countries    map[string]string // code → name
	countryCodes []string          // as listed in lists/countries.yaml
	lists        map[string]set
	listNames    []string

	categories     []string // in the rulebook's order
	categorySet    set
	issuers        set
	issuerCodes    []string // in the rulebook's order
	validators     set
	exceptions     map[string]string // customer-first exception → description
	exceptionCodes []string

	objectionWindow      period
	longNDOAfter         period
	nationalSecurityBand int

	customerFirstKinds set
	customerFirstText  struct{ applies, excepted, notApplicable, notApplicableExcepted message }
	noticeText         map[string]message // by timing, plus "delayed_indefinitely"
	deadlineText       map[string]message // the deadlines rulebook.yaml explains
	deficiencyText     map[string]message
	flagText           map[string]string

	notifyDPA struct {
		conflicts, routes, unlessNotice set
		text                            message
	}

	instruments     map[string]*instrument
	instrumentCodes []string // sorted

	conflicts []*conflictRule
	challenge struct {
		authorityCountries set
		instruments        set
	}
	comityRule      comityRules
	usPersonDefault set

	dpas map[string]DPA

	files []sourceFile
}

// set is a set of codes.
type set map[string]bool

func setOf(codes ...string) set {
	s := set{}
	for _, c := range codes {
		s[c] = true
	}
	return s
}

// sorted returns the members in order.
func (s set) sorted() []string {
	out := make([]string, 0, len(s))
	for c := range s {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// sourceFile is a file of the rulebook as read, kept for Show.
type sourceFile struct {
	name string
	data []byte
}

// instrument is a legal instrument and what the rulebook says about it.
type instrument struct {
	code, name, citation string
	countries            set
	countriesText        string
	anyone               bool
	issuers              set
	compels              []string // sorted
	preserveOnly         bool
	eff                  *effectiveIssuer
	nationalSecurity     bool
	claimsEmergency      bool
	excludesUSPersons    bool
	offence              *offenceThreshold
	notification         set // categories that need the enforcing authority told; nil: never
	deadlines            []instrumentDeadline
	messages             map[string]message // deficiency messages for this instrument
}

// effectiveIssuer is Art. 4 of Regulation (EU) 2023/1543: who counts as
// the issuer of an EU order, and what each may order.
type effectiveIssuer struct {
	from    set
	compels map[string][]string // by effective issuer; noIssuer when none
	// emergency lists what an order without effective issuer may ask in
	// an emergency without prior validation (Art. 4(5)); nil: nothing.
	emergency    set
	emergencyCat []string
}

// categoryContent is the category that customer-managed keys put out of
// the provider's reach.
const categoryContent = "content"

// noIssuer is the effective_issuer.compels key for "no effective issuer".
const noIssuer = "none"

type offenceThreshold struct {
	categories set
	minYears   float64
}

type instrumentDeadline struct {
	code        string
	when        string
	within      period
	inEmergency *period
	text        message
}

// Conditions of an instrument's deadline.
const (
	whenAlways                     = "always"
	whenNeedsNotification          = "needs_notification"
	whenConflict                   = "conflict"
	whenEmergencyWithoutValidation = "emergency_without_validation"
)

var (
	deadlineConditions   = []string{whenAlways, whenNeedsNotification, whenConflict, whenEmergencyWithoutValidation}
	instrumentDeadlines  = []string{DeadlineRespond, DeadlineEnforcingAuthorityWindow, DeadlineConflictObjection, DeadlinePreserveUntil, DeadlineValidation}
	explainedByRulebook  = []string{DeadlineRespond, DeadlineNotice, DeadlineEarliestDisclosure}
	providerSettingNames = []string{"provider.home_country", "provider.eu_representative_country"}
)

// conflictRule is one conflict of law; every condition given must hold.
type conflictRule struct {
	code                                                      string
	authorityIn, authorityNotIn, dataIn, homeIn, dataOrHomeIn set // nil: no condition
	kindNotIn, categories, instrumentNotIn                    set
	text                                                      message
}

type comityRules struct {
	statutory struct {
		instruments, authorityCountries, categories, customerHomes set
		fileWithin                                                 period
		text, deadlineText                                         message
	}
	commonLaw struct {
		instruments, authorityCountries set
		text                            message
	}
	neitherText, notApplicableText message
}

// DPA is a data protection authority.
type DPA struct {
	Country string `json:"country"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address"`
	Website string `json:"website,omitempty"`
}

// Version returns the rulebook's version, e.g. "v1". Assessments carry it.
func (rb *Rulebook) Version() string { return rb.version }

// Instruments returns the codes of the instruments, sorted.
func (rb *Rulebook) Instruments() []string { return slices.Clone(rb.instrumentCodes) }

// Categories returns the codes of the data categories in the rulebook's
// order (subscriber, identification, traffic, content).
func (rb *Rulebook) Categories() []string { return slices.Clone(rb.categories) }

// Issuers returns the codes of who may issue a demand (issued_by), in the
// rulebook's order.
func (rb *Rulebook) Issuers() []string { return slices.Clone(rb.issuerCodes) }

// CustomerFirstExceptions returns the closed list of exceptions to
// customer-first that a demand may record, in the rulebook's order.
func (rb *Rulebook) CustomerFirstExceptions() []string { return slices.Clone(rb.exceptionCodes) }

// Countries returns every country code the rulebook knows, sorted.
func (rb *Rulebook) Countries() []string {
	out := slices.Clone(rb.countryCodes)
	slices.Sort(out)
	return out
}

// IsCountry reports whether code is a country code the rulebook knows
// (ISO 3166-1 alpha-2, upper case).
func (rb *Rulebook) IsCountry(code string) bool {
	_, ok := rb.countries[code]
	return ok
}

// CountryName returns the English name of a country code, or "" if unknown.
func (rb *Rulebook) CountryName(code string) string { return rb.countries[code] }

// DPA returns the data protection authority of a country, for notices to
// authorities; false when the country has none in the rulebook.
func (rb *Rulebook) DPA(country string) (DPA, bool) {
	d, ok := rb.dpas[country]
	return d, ok
}

// NationalSecurityBand is the width of the bands in which transparency
// reports count national-security demands (50 U.S.C. 1874(a)(3)).
func (rb *Rulebook) NationalSecurityBand() int { return rb.nationalSecurityBand }

// ObjectionWindow is the time the customer has to object between notice
// and disclosure (provider policy).
func (rb *Rulebook) ObjectionWindow() time.Duration { return rb.objectionWindow.D }
