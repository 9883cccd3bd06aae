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
	Policy            policyDoc            `yaml:"policy"`
	CustomerFirst     customerFirstDoc     `yaml:"customer_first"`
	Notice            noticeDoc            `yaml:"notice"`
	Deadlines         ordered[messageText] `yaml:"deadlines"`
	Deficiencies      ordered[messageText] `yaml:"deficiencies"`
	NotifyAuthorities notifyAuthoritiesDoc `yaml:"notify_authorities"`
	Flags             ordered[messageText] `yaml:"flags"`
}

type providerDoc struct {
	HomeCountry             token `yaml:"home_country"`
	EURepresentativeCountry token `yaml:"eu_representative_country"`
}

type policyDoc struct {
	ObjectionWindow      period `yaml:"objection_window"`
	LongNDOAfter         period `yaml:"long_ndo_after"`
	NationalSecurityBand int    `yaml:"national_security_band"`
	Line                 int
}

type customerFirstDoc struct {
	CustomerKinds []token              `yaml:"customer_kinds"`
	Exceptions    ordered[string]      `yaml:"exceptions"`
	Messages      customerFirstTextDoc `yaml:"messages"`
}

type customerFirstTextDoc struct {
	Applies               messageText `yaml:"applies"`
	Excepted              messageText `yaml:"excepted"`
	NotApplicable         messageText `yaml:"not_applicable"`
	NotApplicableExcepted messageText `yaml:"not_applicable_excepted"`
}

type noticeDoc struct {
	Prohibited          messageText `yaml:"prohibited"`
	Delayed             messageText `yaml:"delayed"`
	DelayedIndefinitely messageText `yaml:"delayed_indefinitely"`
	None                messageText `yaml:"none"`
	AfterEmergency      messageText `yaml:"after_emergency"`
	WithRedirect        messageText `yaml:"with_redirect"`
	BeforeDisclosure    messageText `yaml:"before_disclosure"`
}

type notifyAuthoritiesDoc struct {
	DPA notifyDPADoc `yaml:"DPA"`
}

type notifyDPADoc struct {
	Conflicts    []token     `yaml:"conflicts"`
	Routes       []token     `yaml:"routes"`
	UnlessNotice []token     `yaml:"unless_notice"`
	Message      messageText `yaml:"message"`
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
	IssuedBy                       *issuerRule             `yaml:"issued_by,omitempty"`
	EffectiveIssuer                *effectiveIssuerDoc     `yaml:"effective_issuer,omitempty"`
	Compels                        []token                 `yaml:"compels,omitempty"`
	PreserveOnly                   bool                    `yaml:"preserve_only,omitempty"`
	NationalSecurity               bool                    `yaml:"national_security,omitempty"`
	ClaimsEmergency                bool                    `yaml:"claims_emergency,omitempty"`
	ExcludesUSPersons              bool                    `yaml:"excludes_us_persons,omitempty"`
	OffenceThreshold               *offenceThresholdDoc    `yaml:"offence_threshold,omitempty"`
	EnforcingAuthorityNotification *notificationDoc        `yaml:"enforcing_authority_notification,omitempty"`
	Deadlines                      []instrumentDeadlineDoc `yaml:"deadlines,omitempty"`
	Messages                       ordered[messageText]    `yaml:"messages,omitempty"`
	Line                           int
}

type effectiveIssuerDoc struct {
	From                       []token          `yaml:"from"`
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
	Code        token       `yaml:"code"`
	When        token       `yaml:"when,omitempty"`
	Within      period      `yaml:"within"`
	InEmergency *period     `yaml:"in_emergency,omitempty"`
	Message     messageText `yaml:"message"`
	Line        int
}

type conflictDoc struct {
	Code    token           `yaml:"code"`
	When    conflictWhenDoc `yaml:"when"`
	Message messageText     `yaml:"message"`
	Line    int
}

type conflictWhenDoc struct {
	AuthorityCountryIn    *countryExpr `yaml:"authority_country_in,omitempty"`
	AuthorityCountryNotIn *countryExpr `yaml:"authority_country_not_in,omitempty"`
	DataStoredIn          *countryExpr `yaml:"data_stored_in,omitempty"`
	CustomerHomeIn        *countryExpr `yaml:"customer_home_in,omitempty"`
	DataOrCustomerHomeIn  *countryExpr `yaml:"data_or_customer_home_in,omitempty"`
	CustomerKindNotIn     []token      `yaml:"customer_kind_not_in,omitempty"`
	CategoriesAsked       []token      `yaml:"categories_asked,omitempty"`
	InstrumentNotIn       []token      `yaml:"instrument_not_in,omitempty"`
	Line                  int
}

type onConflictDoc struct {
	Challenge challengeDoc `yaml:"challenge"`
	Line      int
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
	Instruments        []token     `yaml:"instruments"`
	AuthorityCountries countryExpr `yaml:"authority_countries"`
	Categories         []token     `yaml:"categories"`
	CustomerHomeIn     countryExpr `yaml:"customer_home_in"`
	FileWithin         period      `yaml:"file_within"`
	Message            messageText `yaml:"message"`
	DeadlineMessage    messageText `yaml:"deadline_message"`
}

type commonLawChallengeDoc struct {
	Instruments        []token     `yaml:"instruments"`
	AuthorityCountries countryExpr `yaml:"authority_countries"`
	Message            messageText `yaml:"message"`
}

type usPersonsDoc struct {
	DefaultHomeCountries countryExpr `yaml:"default_home_countries"`
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
