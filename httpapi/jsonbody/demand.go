package jsonbody

import (
	"time"

	"writ"
)

// DemandBody is a submission as it arrives: times are decoded here, so a
// bad one is reported with its field name.
type DemandBody struct {
	Reference              string              `json:"reference"`
	AgencyID               int64               `json:"agency_id"`
	Channel                string              `json:"channel"`
	ReceivedAt             *string             `json:"received_at"`
	Requester              string              `json:"requester"`
	Instrument             string              `json:"instrument"`
	Citation               string              `json:"citation"`
	IssuedBy               string              `json:"issued_by"`
	ValidatedBy            *string             `json:"validated_by"`
	OffenceMaxYears        *float64            `json:"offence_max_years"`
	OffenceListed          bool                `json:"offence_listed"`
	OffenceInIssuingState  *bool               `json:"offence_in_issuing_state"`
	SubjectResidence       string              `json:"subject_residence"`
	SubjectLocation        string              `json:"subject_location"`
	SubjectUSPerson        *bool               `json:"subject_us_person"`
	DataLocationsSought    []string            `json:"data_locations_sought"`
	NoticePermitted        bool                `json:"notice_permitted"`
	DataCategories         []string            `json:"data_categories"`
	Accounts               []string            `json:"accounts"`
	DateRange              *writ.DateRange     `json:"date_range"`
	Due                    *string             `json:"due"`
	Nondisclosure          *writ.Nondisclosure `json:"nondisclosure"`
	Emergency              *writ.Emergency     `json:"emergency"`
	CustomerFirstException *string             `json:"customer_first_exception"`
	Language               string              `json:"language"`
}

// Time reads an optional RFC 3339 time, naming field on error.
func Time(field string, s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return nil, writ.FieldErrorf(field, "not an RFC 3339 time (like 2026-11-20T14:00:00Z): %q", *s)
	}
	t = t.UTC()
	return &t, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// DecodeDemand decodes a submission body into a writ.DemandInput, strictly:
// every error names the field at fault.
func DecodeDemand(body []byte) (writ.DemandInput, error) {
	var b DemandBody
	if err := Decode(body, &b); err != nil {
		return writ.DemandInput{}, err
	}
	in := writ.DemandInput{
		Reference: b.Reference, AgencyID: b.AgencyID, Channel: b.Channel, Requester: b.Requester, Instrument: b.Instrument,
		Citation: b.Citation, IssuedBy: b.IssuedBy, ValidatedBy: deref(b.ValidatedBy), OffenceMaxYears: b.OffenceMaxYears,
		OffenceListed: b.OffenceListed, OffenceInIssuingState: b.OffenceInIssuingState, SubjectResidence: b.SubjectResidence,
		SubjectLocation: b.SubjectLocation, SubjectUSPerson: b.SubjectUSPerson, DataLocationsSought: b.DataLocationsSought,
		NoticePermitted: b.NoticePermitted, Language: b.Language,
		DataCategories: b.DataCategories, Accounts: b.Accounts, DateRange: b.DateRange, Nondisclosure: b.Nondisclosure,
		Emergency: b.Emergency, CustomerFirstException: deref(b.CustomerFirstException),
	}
	var err error
	if in.ReceivedAt, err = Time("received_at", b.ReceivedAt); err != nil {
		return in, err
	}
	if in.Due, err = Time("due", b.Due); err != nil {
		return in, err
	}
	if in.Instrument == "" {
		return in, writ.FieldErrorf("instrument", "required")
	}
	if in.IssuedBy == "" {
		return in, writ.FieldErrorf("issued_by", "required")
	}
	if in.DataCategories == nil {
		return in, writ.FieldErrorf("data_categories", "required (an array of subscriber, identification, traffic, content)")
	}
	return in, nil
}
