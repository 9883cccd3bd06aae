package rules

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// This file describes what the rulebook's YAML files look like. load.go
// turns these documents into the checked, indexed form the evaluator uses.

// rulebookFile is rulebook.yaml: the version, the provider's settings, the
// vocabularies and the provider's policy.
type rulebookFile struct {
	Version           string               `yaml:"version"`
	Provider          providerDoc          `yaml:"provider"`
	Categories        ordered[string]      `yaml:"categories"`
	Issuers           ordered[string]      `yaml:"issuers"`
	Validators        []token              `yaml:"validators"`
	Requesters        requestersDoc        `yaml:"requesters"`
	Policy            policyDoc            `yaml:"policy"`
	Transparency      transparencyDoc      `yaml:"transparency"`
	CustomerFirst     customerFirstDoc     `yaml:"customer_first"`
	Notice            noticeDoc            `yaml:"notice"`
	Deadlines         ordered[messageText] `yaml:"deadlines"`
	Deficiencies      ordered[messageText] `yaml:"deficiencies"`
	NotifyAuthorities notifyAuthoritiesDoc `yaml:"notify_authorities"`
	Flags             ordered[messageText] `yaml:"flags"`
}

type providerDoc struct {
	HomeCountry              token `yaml:"home_country"`
	EURepresentativeCountry  token `yaml:"eu_representative_country"`
	EURepresentativeTimezone token `yaml:"eu_representative_timezone"`
}

type requestersDoc struct {
	DefaultKinds   []token `yaml:"default_kinds"`
	EmergencyKinds []token `yaml:"emergency_kinds"`
}

type policyDoc struct {
	ObjectionWindow     period `yaml:"objection_window"`
	LongNDOAfter        period `yaml:"long_ndo_after"`
	NoticeReviewHourUTC int    `yaml:"notice_review_hour_utc"`
	Line                int
}

type transparencyDoc struct {
	NationalSecurityBands          token                     `yaml:"national_security_bands"`
	IncludeForeignNationalSecurity bool                      `yaml:"include_foreign_national_security"`
	Classes                        ordered[token]            `yaml:"classes"`
	Structures                     ordered[bandStructureDoc] `yaml:"structures"`
	Line                           int
}

// bandStructureDoc is one structure of 50 U.S.C. 1874(a): a band width, the
// figures combined or separate, and the period each figure covers.
type bandStructureDoc struct {
	Citation   string `yaml:"citation"`
	Band       int    `yaml:"band"`
	Figures    token  `yaml:"figures"`
	Period     token  `yaml:"period,omitempty"`
	NSLPeriod  token  `yaml:"nsl_period,omitempty"`
	FISAPeriod token  `yaml:"fisa_period,omitempty"`
	Line       int
}

type customerFirstDoc struct {
	CustomerKinds       []token              `yaml:"customer_kinds"`
	Exceptions          ordered[string]      `yaml:"exceptions"`
	AutomaticExceptions ordered[messageText] `yaml:"automatic_exceptions"`
	Messages            customerFirstTextDoc `yaml:"messages"`
}

type customerFirstTextDoc struct {
	Applies               messageText `yaml:"applies"`
	Excepted              messageText `yaml:"excepted"`
	NotApplicable         messageText `yaml:"not_applicable"`
	NotApplicableExcepted messageText `yaml:"not_applicable_excepted"`
	Automatic             messageText `yaml:"automatic"`
}

type noticeDoc struct {
	Prohibited          messageText `yaml:"prohibited"`
	Delayed             messageText `yaml:"delayed"`
	DelayedIndefinitely messageText `yaml:"delayed_indefinitely"`
	Confidential        messageText `yaml:"confidential"`
	None                messageText `yaml:"none"`
	AfterEmergency      messageText `yaml:"after_emergency"`
	WithRedirect        messageText `yaml:"with_redirect"`
	BeforeDisclosure    messageText `yaml:"before_disclosure"`
}

type notifyAuthoritiesDoc struct {
	DPA notifyDPADoc `yaml:"DPA"`
}

type notifyDPADoc struct {
	Conflicts           []token     `yaml:"conflicts"`
	Routes              []token     `yaml:"routes"`
	UnlessNotice        []token     `yaml:"unless_notice"`
	SubdivisionForKinds []token     `yaml:"subdivision_for_kinds"`
	Message             messageText `yaml:"message"`
}

// partFile is any other file at the top of the rulebook (us.yaml,
// eu.yaml, conflicts.yaml, ...). Each section that is not a list may be
// given in one file only.
type partFile struct {
	Instruments []instrumentDoc `yaml:"instruments,omitempty"`
	Conflicts   []conflictDoc   `yaml:"conflicts,omitempty"`
	OnConflict  *onConflictDoc  `yaml:"on_conflict,omitempty"`
	Comity      *comityDoc      `yaml:"comity,omitempty"`
	USPersons   *usPersonsDoc   `yaml:"us_persons,omitempty"`
}

type instrumentDoc struct {
	Code                           token                   `yaml:"code"`
	Name                           string                  `yaml:"name"`
	Citation                       string                  `yaml:"citation"`
	AuthorityCountries             countryExpr             `yaml:"authority_countries"`
	RequesterKinds                 []token                 `yaml:"requester_kinds,omitempty"`
	IssuedBy                       *issuerRule             `yaml:"issued_by,omitempty"`
	EffectiveIssuer                *effectiveIssuerDoc     `yaml:"effective_issuer,omitempty"`
	InForceFrom                    *token                  `yaml:"in_force_from,omitempty"`
	InForceUntil                   *token                  `yaml:"in_force_until,omitempty"`
	NoSunset                       bool                    `yaml:"no_sunset,omitempty"`
	Compels                        []token                 `yaml:"compels,omitempty"`
	CompelsInVerifiedEmergency     []token                 `yaml:"compels_in_verified_emergency,omitempty"`
	ByAuthorityCountry             ordered[profileDoc]     `yaml:"by_authority_country,omitempty"`
	PreserveOnly                   bool                    `yaml:"preserve_only,omitempty"`
	PreserveUntilProduced          bool                    `yaml:"preserve_until_produced,omitempty"`
	Confidential                   bool                    `yaml:"confidential,omitempty"`
	NationalSecurity               bool                    `yaml:"national_security,omitempty"`
	ClaimsEmergency                bool                    `yaml:"claims_emergency,omitempty"`
	ExcludesUSPersons              bool                    `yaml:"excludes_us_persons,omitempty"`
	SeriousCrimeMinMaxYears        *float64                `yaml:"serious_crime_min_max_years,omitempty"`
	OffenceThreshold               *offenceThresholdDoc    `yaml:"offence_threshold,omitempty"`
	EnforcingAuthorityNotification *notificationDoc        `yaml:"enforcing_authority_notification,omitempty"`
	Deadlines                      []instrumentDeadlineDoc `yaml:"deadlines,omitempty"`
	Messages                       ordered[messageText]    `yaml:"messages,omitempty"`
	Line                           int
}

// profileDoc is what one requesting country's law changes for an
// instrument: the categories its authorities may obtain, routinely and in a
// verified emergency, with the source.
type profileDoc struct {
	Compels                    []token `yaml:"compels,omitempty"`
	CompelsInVerifiedEmergency []token `yaml:"compels_in_verified_emergency,omitempty"`
	Source                     string  `yaml:"source"`
	Line                       int
}

type effectiveIssuerDoc struct {
	Ranked                     []token          `yaml:"ranked"`
	Compels                    ordered[[]token] `yaml:"compels,omitempty"`
	EmergencyWithoutValidation []token          `yaml:"emergency_without_validation,omitempty"`
	Line                       int
}

type offenceThresholdDoc struct {
	Categories  []token `yaml:"categories"`
	MinMaxYears float64 `yaml:"min_max_years"`
	Line        int
}

type notificationDoc struct {
	Categories []token `yaml:"categories"`
}

type instrumentDeadlineDoc struct {
	Code               token                     `yaml:"code"`
	When               token                     `yaml:"when,omitempty"`
	Within             *period                   `yaml:"within,omitempty"`
	DaysCounted        token                     `yaml:"days_counted,omitempty"`
	InEmergency        *period                   `yaml:"in_emergency,omitempty"`
	NotAfterDue        bool                      `yaml:"not_after_due,omitempty"`
	Source             string                    `yaml:"source,omitempty"`
	ByAuthorityCountry ordered[countryPeriodDoc] `yaml:"by_authority_country,omitempty"`
	Message            messageText               `yaml:"message"`
	Line               int
}

// countryPeriodDoc is a requesting country's own period for a deadline.
type countryPeriodDoc struct {
	Within period `yaml:"within"`
	Source string `yaml:"source"`
	Line   int
}

type conflictDoc struct {
	Code    token           `yaml:"code"`
	When    conflictWhenDoc `yaml:"when"`
	Message messageText     `yaml:"message"`
	Line    int
}

type conflictWhenDoc struct {
	AuthorityCountryIn                  *countryExpr `yaml:"authority_country_in,omitempty"`
	AuthorityCountryNotIn               *countryExpr `yaml:"authority_country_not_in,omitempty"`
	DataSoughtIn                        *countryExpr `yaml:"data_sought_in,omitempty"`
	CustomerHomeIn                      *countryExpr `yaml:"customer_home_in,omitempty"`
	DataSoughtOrCustomerHomeIn          *countryExpr `yaml:"data_sought_or_customer_home_in,omitempty"`
	CustomerKindNotIn                   []token      `yaml:"customer_kind_not_in,omitempty"`
	CategoriesAsked                     []token      `yaml:"categories_asked,omitempty"`
	InstrumentNotIn                     []token      `yaml:"instrument_not_in,omitempty"`
	UnlessSufficientInstrumentIn        []token      `yaml:"unless_sufficient_instrument_in,omitempty"`
	UnlessVerifiedEmergencyInstrumentIn []token      `yaml:"unless_verified_emergency_instrument_in,omitempty"`
	Line                                int
}

type onConflictDoc struct {
	Decline   declineDoc   `yaml:"decline"`
	Challenge challengeDoc `yaml:"challenge"`
	Line      int
}

type declineDoc struct {
	Instruments []token `yaml:"instruments"`
}

type challengeDoc struct {
	AuthorityCountries countryExpr `yaml:"authority_countries"`
	Instruments        []token     `yaml:"instruments"`
}

type comityDoc struct {
	StatutoryMotion      statutoryMotionDoc    `yaml:"statutory_motion"`
	CommonLawChallenge   commonLawChallengeDoc `yaml:"common_law_challenge"`
	NeitherMessage       messageText           `yaml:"neither_message"`
	NotApplicableMessage messageText           `yaml:"not_applicable_message"`
	Line                 int
}

type statutoryMotionDoc struct {
	Instruments           []token     `yaml:"instruments"`
	AuthorityCountries    countryExpr `yaml:"authority_countries"`
	Categories            []token     `yaml:"categories"`
	ResidenceNotIn        countryExpr `yaml:"residence_not_in"`
	QualifyingGovernments countryExpr `yaml:"qualifying_governments"`
	FileWithin            period      `yaml:"file_within"`
	Message               messageText `yaml:"message"`
	DeadlineMessage       messageText `yaml:"deadline_message"`
}

type commonLawChallengeDoc struct {
	Instruments        []token     `yaml:"instruments"`
	AuthorityCountries countryExpr `yaml:"authority_countries"`
	Message            messageText `yaml:"message"`
}

type usPersonsDoc struct {
	DefaultHomeCountries countryExpr `yaml:"default_home_countries"`
	LocatedIn            countryExpr `yaml:"located_in"`
	Line                 int
}

// listFile is lists/NAME.yaml: a named set of countries, built from codes
// and other lists.
type listFile struct {
	Description string  `yaml:"description"`
	Source      string  `yaml:"source,omitempty"`
	Include     []token `yaml:"include"`
	Exclude     []token `yaml:"exclude,omitempty"`
}

// countriesFile is lists/countries.yaml: every code the rulebook knows.
type countriesFile struct {
	Description string          `yaml:"description"`
	Source      string          `yaml:"source,omitempty"`
	Countries   ordered[string] `yaml:"countries"`
}

// dpasFile is lists/dpas.yaml: the data protection authority of every
// country of one list.
type dpasFile struct {
	Description string          `yaml:"description"`
	Source      string          `yaml:"source,omitempty"`
	For         token           `yaml:"for"`
	Authorities ordered[dpaDoc] `yaml:"authorities"`
}

type dpaDoc struct {
	Name    string `yaml:"name"`
	Email   string `yaml:"email,omitempty"`
	Address string `yaml:"address"`
	Website string `yaml:"website,omitempty"`
	// Checked says when and against what the entry was last checked, or
	// that it was not.
	Checked string `yaml:"checked,omitempty"`
}

// countryExpr is a set of countries: either a plain list, or a mapping with
// include and exclude. Each item is a country code (US), a list's name
// (eea), or a provider setting (provider.eu_representative_country).
type countryExpr struct {
	Include []token
	Exclude []token
	Line    int
}

func (c *countryExpr) decodeYAML(d *nodeDecoder, n *yaml.Node) {
	c.Line = n.Line
	if n.Kind == yaml.SequenceNode {
		d.decodeInto(n, &c.Include)
		return
	}
	var m struct {
		Include []token `yaml:"include"`
		Exclude []token `yaml:"exclude,omitempty"`
	}
	d.decodeInto(n, &m)
	c.Include, c.Exclude = m.Include, m.Exclude
}

// String is the expression as written, for Show.
func (c countryExpr) String() string {
	s := joinTokens(c.Include)
	if len(c.Exclude) > 0 {
		s += " except " + joinTokens(c.Exclude)
	}
	return s
}

// issuerRule is an instrument's issued_by: "anyone", or the list of
// issuers whose orders are valid.
type issuerRule struct {
	Anyone  bool
	Issuers []token
	Line    int
}

func (r *issuerRule) decodeYAML(d *nodeDecoder, n *yaml.Node) {
	r.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		if n.Value != "anyone" {
			d.errorf(n, "issued_by is \"anyone\" or a list of issuers, found %q", n.Value)
		}
		r.Anyone = true
		return
	}
	d.decodeInto(n, &r.Issuers)
}

// messageText is a message template as written, with its line.
type messageText struct {
	Text string
	Line int
}

func (m *messageText) decodeYAML(d *nodeDecoder, n *yaml.Node) {
	m.Line = n.Line
	m.Text, _ = d.scalar(n)
	m.Text = strings.TrimSpace(m.Text)
}

// period is a span of time written as "7 days" or "48 hours". A day is
// always 24 hours (rulebook.md: "+N days" means N × 24 hours in UTC).
type period struct {
	Text string
	D    time.Duration
	Line int
}

func (p *period) decodeYAML(d *nodeDecoder, n *yaml.Node) {
	p.Line = n.Line
	s, ok := d.scalar(n)
	if !ok {
		return
	}
	num, unit, found := strings.Cut(strings.TrimSpace(s), " ")
	count, err := strconv.Atoi(num)
	if !found || err != nil || count < 0 {
		d.errorf(n, "expected a period such as \"7 days\" or \"48 hours\", found %q", s)
		return
	}
	// A century bounds every period of the law and keeps the arithmetic
	// of time.Duration far from overflow.
	const maxDays = 36500
	switch unit {
	case "day", "days":
		if count > maxDays {
			d.errorf(n, "a period may be at most %d days, found %q", maxDays, s)
			return
		}
		p.D = time.Duration(count) * 24 * time.Hour
	case "hour", "hours":
		if count > maxDays*24 {
			d.errorf(n, "a period may be at most %d hours, found %q", maxDays*24, s)
			return
		}
		p.D = time.Duration(count) * time.Hour
	default:
		d.errorf(n, "a period is counted in days or hours, found %q", s)
		return
	}
	p.Text = s
}

func (d *nodeDecoder) decodeInto(n *yaml.Node, v any) {
	d.decode(n, reflectValue(v))
}

func joinTokens(ts []token) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.Value
	}
	return strings.Join(s, ", ")
}
