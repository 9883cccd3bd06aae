package rules

import (
	"encoding/json"
	"time"
)

// Routes: what the provider does with a demand (rulebook.md §4).
const (
	RouteReject             = "reject"
	RoutePreserve           = "preserve"
	RouteRedirectToCustomer = "redirect_to_customer"
	RouteChallenge          = "challenge"
	RouteReferToMLAT        = "refer_to_mlat"
	RouteNoData             = "no_data"
	RouteRespond            = "respond"
)

// Notice timings: when the customer is told (rulebook.md §5).
const (
	NoticeProhibited       = "prohibited"
	NoticeDelayed          = "delayed"
	NoticeNone             = "none"
	NoticeAfterEmergency   = "after_emergency"
	NoticeWithRedirect     = "with_redirect"
	NoticeBeforeDisclosure = "before_disclosure"
)

// Deficiency codes (rulebook.md §2).
const (
	DeficiencyWrongJurisdiction          = "WRONG_JURISDICTION"
	DeficiencyWrongRequesterKind         = "WRONG_REQUESTER_KIND"
	DeficiencyInstrumentNotInForce       = "INSTRUMENT_NOT_IN_FORCE"
	DeficiencyJudgeRequired              = "JUDGE_REQUIRED"
	DeficiencyValidationRequired         = "VALIDATION_REQUIRED"
	DeficiencyCategoryNotPermitted       = "CATEGORY_NOT_PERMITTED"
	DeficiencyOffenceThreshold           = "OFFENCE_THRESHOLD"
	DeficiencySeriousCrimeThreshold      = "SERIOUS_CRIME_THRESHOLD"
	DeficiencyAgreementExcludesUSPersons = "AGREEMENT_EXCLUDES_US_PERSONS"
	DeficiencyUnverifiedRequester        = "UNVERIFIED_REQUESTER"
	DeficiencyEmergencyUnverified        = "EMERGENCY_UNVERIFIED"
	DeficiencyNoTarget                   = "NO_TARGET"
	DeficiencyNoCategories               = "NO_CATEGORIES"
)

// Deadline codes (rulebook.md §6).
const (
	DeadlineRespond                  = "RESPOND"
	DeadlineEnforcingAuthorityWindow = "ENFORCING_AUTHORITY_WINDOW"
	DeadlineConflictObjection        = "CONFLICT_OBJECTION"
	DeadlinePreserveUntil            = "PRESERVE_UNTIL"
	DeadlineValidation               = "VALIDATION"
	DeadlineComityMotion             = "COMITY_MOTION"
	DeadlineObjection                = "OBJECTION"
	DeadlineNotice                   = "NOTICE"
	DeadlineEarliestDisclosure       = "EARLIEST_DISCLOSURE"
)

// Flags (rulebook.md §8).
const (
	FlagNationalSecurity               = "NATIONAL_SECURITY"
	FlagIndefiniteNDO                  = "INDEFINITE_NDO"
	FlagNDOOverOneYear                 = "NDO_OVER_ONE_YEAR"
	FlagEmergency                      = "EMERGENCY"
	FlagContentTechnicallyUnavailable  = "CONTENT_TECHNICALLY_UNAVAILABLE"
	FlagCrossBorder                    = "CROSS_BORDER"
	FlagObjectionWindowExceedsDeadline = "OBJECTION_WINDOW_EXCEEDS_DEADLINE"
	FlagPreserveUntilProduced          = "PRESERVE_UNTIL_PRODUCED"
)

// The customer-first exceptions that apply by themselves and cannot be
// recorded (rulebook.md §4): national-security process, and a demand that
// carries an emergency.
const (
	ExceptionNationalSecurity = "national_security"
	ExceptionEmergency        = "emergency"
)

// NotifyDPA is the code of a data protection authority to notify.
const NotifyDPA = "DPA"

var (
	allRoutes       = []string{RouteReject, RoutePreserve, RouteRedirectToCustomer, RouteChallenge, RouteReferToMLAT, RouteNoData, RouteRespond}
	allTimings      = []string{NoticeProhibited, NoticeDelayed, NoticeNone, NoticeAfterEmergency, NoticeWithRedirect, NoticeBeforeDisclosure}
	allDeficiencies = []string{DeficiencyWrongJurisdiction, DeficiencyWrongRequesterKind, DeficiencyInstrumentNotInForce, DeficiencyJudgeRequired, DeficiencyValidationRequired, DeficiencyCategoryNotPermitted, DeficiencyOffenceThreshold, DeficiencySeriousCrimeThreshold, DeficiencyAgreementExcludesUSPersons, DeficiencyUnverifiedRequester, DeficiencyEmergencyUnverified, DeficiencyNoTarget, DeficiencyNoCategories}
	allFlags        = []string{FlagNationalSecurity, FlagIndefiniteNDO, FlagNDOOverOneYear, FlagEmergency, FlagContentTechnicallyUnavailable, FlagCrossBorder, FlagObjectionWindowExceedsDeadline, FlagPreserveUntilProduced}
)

// Assessment is what the rulebook concludes about one case. Its JSON form is
// the assessment contract (assess-contract.md): keys in this order, every
// list present and sorted, times in UTC to the second. Message fields
// explain each conclusion with its source; programs must not parse them.
type Assessment struct {
	Rulebook              string            `json:"rulebook"`
	LegallySufficient     bool              `json:"legally_sufficient"`
	Deficiencies          []Deficiency      `json:"deficiencies"`
	PermittedCategories   []string          `json:"permitted_categories"`
	DisclosableCategories []string          `json:"disclosable_categories"`
	ContentAccessible     bool              `json:"content_accessible"`
	Route                 string            `json:"route"`
	CustomerFirst         CustomerFirst     `json:"customer_first"`
	Notice                Notice            `json:"notice"`
	Conflicts             []Conflict        `json:"conflicts"`
	Comity                Comity            `json:"comity"`
	Deadlines             []Deadline        `json:"deadlines"`
	NotifyAuthorities     []NotifyAuthority `json:"notify_authorities"`
	Flags                 []string          `json:"flags"`
}

// Deficiency is one reason the demand is legally insufficient. Category is
// set only for CATEGORY_NOT_PERMITTED.
type Deficiency struct {
	Code     string `json:"code"`
	Category string `json:"category,omitempty"`
	Message  string `json:"message,omitempty"`
}

// Conflict is a law that the disclosure would collide with.
type Conflict struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// CustomerFirst says whether the authority must go to the customer first,
// and which exception, if any, lets it come to the provider. Exception is
// "" when there is none (null in JSON).
type CustomerFirst struct {
	Applies   bool
	Exception string
	Message   string
}

// Notice says when the customer is told. SendAt is set for with_redirect
// and before_disclosure; Until is the end of a non-disclosure order, nil
// when there is none or it is indefinite.
type Notice struct {
	Timing  string
	SendAt  *time.Time
	Until   *Date
	Message string
}

// Comity says which comity challenges are open (18 U.S.C. 2703(h)).
type Comity struct {
	StatutoryMotion    bool   `json:"statutory_motion"`
	CommonLawChallenge bool   `json:"common_law_challenge"`
	Message            string `json:"message,omitempty"`
}

// Deadline is a date by which something must happen.
type Deadline struct {
	Code    string
	Due     time.Time
	Message string
}

// NotifyAuthority is an authority the provider tells about the demand:
// Country is the ISO 3166-1 code of its state, Authority its key in the
// DPA directory (a subdivision such as DE-BY, or the country again).
type NotifyAuthority struct {
	Code      string `json:"code"`
	Country   string `json:"country"`
	Authority string `json:"authority"`
	Message   string `json:"message,omitempty"`
}

// contractTime is the contract's one time format: UTC, to the second.
const contractTime = "2006-01-02T15:04:05Z"

// formatTime prints t in the contract's format. Unlike time.Time's own JSON
// form it cannot fail, whatever the year.
func formatTime(t time.Time) string {
	return t.UTC().Format(contractTime)
}

func parseContractTime(s string) (time.Time, error) {
	return time.Parse(time.RFC3339, s)
}

// MarshalJSON writes the assessment with every list present, even when the
// value was built by hand with nil slices.
func (a Assessment) MarshalJSON() ([]byte, error) {
	type plain Assessment
	p := plain(a)
	p.Deficiencies = nonNil(p.Deficiencies)
	p.PermittedCategories = nonNil(p.PermittedCategories)
	p.DisclosableCategories = nonNil(p.DisclosableCategories)
	p.Conflicts = nonNil(p.Conflicts)
	p.Deadlines = nonNil(p.Deadlines)
	p.NotifyAuthorities = nonNil(p.NotifyAuthorities)
	p.Flags = nonNil(p.Flags)
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type customerFirstJSON struct {
	Applies   bool    `json:"applies"`
	Exception *string `json:"exception"`
	Message   string  `json:"message,omitempty"`
}

// MarshalJSON writes an absent exception as null.
func (c CustomerFirst) MarshalJSON() ([]byte, error) {
	j := customerFirstJSON{Applies: c.Applies, Message: c.Message}
	if c.Exception != "" {
		j.Exception = &c.Exception
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (c *CustomerFirst) UnmarshalJSON(data []byte) error {
	var j customerFirstJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*c = CustomerFirst{Applies: j.Applies, Message: j.Message}
	if j.Exception != nil {
		c.Exception = *j.Exception
	}
	return nil
}

type noticeJSON struct {
	Timing  string  `json:"timing"`
	SendAt  *string `json:"send_at"`
	Until   *string `json:"until"`
	Message string  `json:"message,omitempty"`
}

// MarshalJSON writes the notice with send_at and until as contract times
// (the order's end date at 00:00 UTC) or null.
func (n Notice) MarshalJSON() ([]byte, error) {
	j := noticeJSON{Timing: n.Timing, Message: n.Message}
	if n.SendAt != nil {
		s := formatTime(*n.SendAt)
		j.SendAt = &s
	}
	if n.Until != nil {
		s := formatTime(n.Until.Time())
		j.Until = &s
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (n *Notice) UnmarshalJSON(data []byte) error {
	var j noticeJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*n = Notice{Timing: j.Timing, Message: j.Message}
	if j.SendAt != nil {
		t, err := parseContractTime(*j.SendAt)
		if err != nil {
			return err
		}
		n.SendAt = &t
	}
	if j.Until != nil {
		t, err := parseContractTime(*j.Until)
		if err != nil {
			return err
		}
		d := DateOf(t)
		n.Until = &d
	}
	return nil
}

type deadlineJSON struct {
	Code    string `json:"code"`
	Due     string `json:"due"`
	Message string `json:"message,omitempty"`
}

// MarshalJSON writes the due time in the contract's format.
func (d Deadline) MarshalJSON() ([]byte, error) {
	return json.Marshal(deadlineJSON{Code: d.Code, Due: formatTime(d.Due), Message: d.Message})
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (d *Deadline) UnmarshalJSON(data []byte) error {
	var j deadlineJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	t, err := parseContractTime(j.Due)
	if err != nil {
		return err
	}
	*d = Deadline{Code: j.Code, Due: t, Message: j.Message}
	return nil
}

// WithoutMessages returns a copy of a with every message removed: the part
// of an assessment that programs compare.
func (a Assessment) WithoutMessages() Assessment {
	b := a
	b.Deficiencies = make([]Deficiency, len(a.Deficiencies))
	for i, d := range a.Deficiencies {
		d.Message = ""
		b.Deficiencies[i] = d
	}
	b.Conflicts = make([]Conflict, len(a.Conflicts))
	for i, c := range a.Conflicts {
		c.Message = ""
		b.Conflicts[i] = c
	}
	b.Deadlines = make([]Deadline, len(a.Deadlines))
	for i, d := range a.Deadlines {
		d.Message = ""
		b.Deadlines[i] = d
	}
	b.NotifyAuthorities = make([]NotifyAuthority, len(a.NotifyAuthorities))
	for i, n := range a.NotifyAuthorities {
		n.Message = ""
		b.NotifyAuthorities[i] = n
	}
	b.CustomerFirst.Message = ""
	b.Notice.Message = ""
	b.Comity.Message = ""
	return b
}
