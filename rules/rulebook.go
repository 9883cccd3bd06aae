package rules

import (
	"slices"
	"time"
)

// Rulebook is a loaded and checked rulebook. It is immutable and safe for
// concurrent use; load it once and share it.
type Rulebook struct {
	version          string
	changes          Changes
	homeCountry      string
	euRepresentative string
	// euClock is the enforcing state's time zone, in which the enforcing
	// authority's window is counted (provider.eu_representative_timezone).
	euClock *time.Location

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
	// automaticExceptions are the exceptions that apply by themselves, in
	// the order they are reported (national_security, emergency).
	automaticExceptions []string

	defaultRequesterKinds set
	emergencyKinds        set

	objectionWindow  period
	longNDOAfter     period
	noticeReviewHour int

	transparency Transparency

	customerFirstKinds set
	customerFirstText  struct{ applies, excepted, notApplicable, notApplicableExcepted, automatic message }
	// automaticReasons explain each automatic exception.
	automaticReasons map[string]string
	noticeText       map[string]message // by timing, plus "delayed_indefinitely"
	deadlineText     map[string]message // the deadlines rulebook.yaml explains
	deficiencyText   map[string]message
	flagText         map[string]string

	notifyDPA struct {
		conflicts, routes, unlessNotice, subdivisionKinds set
		text                                              message
	}

	instruments     map[string]*instrument
	instrumentCodes []string // sorted

	conflicts []*conflictRule
	challenge struct {
		authorityCountries set
		instruments        set
	}
	decline         set // instruments whose conflicts are declined, not challenged
	comityRule      comityRules
	usPersonDefault set
	usLocations     set // where a person is protected like a US person (2523(b)(4)(A))

	dpas map[string]DPA // by country or subdivision code

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
	requesterKinds       set // who may use it; the rulebook's default when not given
	anyone               bool
	issuers              set
	// inForceFrom and inForceUntil bound the instants at which it is in
	// force: from ≤ received < until; nil is unbounded.
	inForceFrom, inForceUntil *time.Time
	inForceText               string
	compels                   []string // sorted
	// compelsInEmergency is what it compels with a verified emergency; nil:
	// the same as compels.
	compelsInEmergency    []string
	profiles              map[string]*countryProfile // by requesting country
	preserveOnly          bool
	preserveUntilProduced bool
	confidential          bool
	eff                   *effectiveIssuer
	nationalSecurity      bool
	claimsEmergency       bool
	excludesUSPersons     bool
	seriousCrimeYears     float64 // 0: no threshold
	offence               *offenceThreshold
	notification          set // categories that need the enforcing authority told; nil: never
	deadlines             []instrumentDeadline
	messages              map[string]message // deficiency messages for this instrument
}

// countryProfile is what one requesting country's law changes for an
// instrument; a nil list changes nothing.
type countryProfile struct {
	compels, compelsInEmergency []string
	source                      string
}

// effectiveIssuer is Art. 4 of Regulation (EU) 2023/1543: who counts as
// the issuer of an EU order, and what each may order.
type effectiveIssuer struct {
	ranked  []string            // highest first
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
	code   string
	when   string
	within *period // nil: only for the countries in byCountry
	// calendar counts within in the enforcing state's calendar days.
	calendar    bool
	inEmergency *period
	notAfterDue bool
	source      string
	byCountry   map[string]countryPeriod
	text        message
}

// countryPeriod is a requesting country's own period for a deadline.
type countryPeriod struct {
	within period
	source string
}

// Conditions of an instrument's deadline.
const (
	whenAlways                     = "always"
	whenNeedsNotification          = "needs_notification"
	whenConflict                   = "conflict"
	whenEmergencyWithoutValidation = "emergency_without_validation"
	whenNoDue                      = "no_due"
)

// daysEnforcingStateCalendar counts a deadline's days on the enforcing
// state's calendar (Reg. (EEC, Euratom) No 1182/71 Art. 3).
const daysEnforcingStateCalendar = "enforcing_state_calendar"

var (
	deadlineConditions   = []string{whenAlways, whenNeedsNotification, whenConflict, whenEmergencyWithoutValidation, whenNoDue}
	instrumentDeadlines  = []string{DeadlineRespond, DeadlineEnforcingAuthorityWindow, DeadlineConflictObjection, DeadlinePreserveUntil, DeadlineValidation, DeadlineObjection}
	explainedByRulebook  = []string{DeadlineRespond, DeadlineNotice, DeadlineEarliestDisclosure}
	providerSettingNames = []string{"provider.home_country", "provider.eu_representative_country"}
)

// conflictRule is one conflict of law; every condition given must hold.
type conflictRule struct {
	code                                                      string
	authorityIn, authorityNotIn, dataIn, homeIn, dataOrHomeIn set // nil: no condition
	kindNotIn, categories, instrumentNotIn                    set
	unlessSufficient, unlessVerifiedEmergency                 set
	text                                                      message
}

type comityRules struct {
	statutory struct {
		instruments, authorityCountries, categories set
		residenceNotIn, qualifying                  set
		fileWithin                                  period
		text, deadlineText                          message
	}
	commonLaw struct {
		instruments, authorityCountries set
		text                            message
	}
	neitherText, notApplicableText message
}

// DPA is a data protection authority. Key is its key in the directory: the
// country's code, or the ISO 3166-2 code of a subdivision whose authority
// supervises private bodies (the German Länder).
type DPA struct {
	Key     string `json:"authority"`
	Country string `json:"country"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address"`
	Website string `json:"website,omitempty"`
	Checked string `json:"checked,omitempty"`
}

// Version returns the rulebook's version, e.g. "v2". Assessments carry it.
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

// IsEU reports whether a country is a member state of the European Union
// (the rulebook's list eu).
func (rb *Rulebook) IsEU(country string) bool { return rb.lists["eu"][country] }

// CountryName returns the English name of a country code, or "" if unknown.
func (rb *Rulebook) CountryName(code string) string { return rb.countries[code] }

// DPA returns the data protection authority with a directory key (a
// country, or a subdivision such as DE-BY), for notices to authorities;
// false when the directory has none.
func (rb *Rulebook) DPA(key string) (DPA, bool) {
	d, ok := rb.dpas[key]
	return d, ok
}

// Transparency is how reports count US national-security process.
func (rb *Rulebook) Transparency() Transparency { return rb.transparency }

// ObjectionWindow is the time the customer has to object between notice
// and disclosure (provider policy).
func (rb *Rulebook) ObjectionWindow() time.Duration { return rb.objectionWindow.D }
