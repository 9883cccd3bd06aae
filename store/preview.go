package store

import (
	"context"

	"writ"
)

// PreviewDemand assesses a submission without storing anything or
// writing an event, and returns its deficiencies, so that an officer can
// fix a demand that cannot succeed before sending it. It never tells
// whether an account or a customer exists: the submission is assessed as
// if its accounts belonged to a neutral tenant (a consumer in the
// authority's own country, its data there under the provider's key), and
// only the deficiencies are returned, which rest on the demand and its
// authority alone; the accounts named change nothing. Agencies preview
// for their own agency, the legal team for the agency it names; EINVALID
// names a malformed field as the submission would, EFORBIDDEN for others.
func (s *Store) PreviewDemand(ctx context.Context, actor writ.Actor, in writ.DemandInput) ([]writ.ReasonDetail, error) {
	switch {
	case actor.Role == writ.RoleAgency:
		in.AgencyID, in.ReceivedAt = actor.AgencyID, nil
		if in.Channel == "" {
			in.Channel = "portal"
		}
	case actor.Role.LegalTeam():
		if in.AgencyID == 0 {
			return nil, writ.FieldErrorf("agency_id", "name the agency the demand came from")
		}
		if in.Channel == "" {
			in.Channel = "mail"
		}
	default:
		return nil, writ.Errorf(writ.EFORBIDDEN, "role %s may not submit demands", actor.Role)
	}
	if len(in.Accounts) == 0 {
		// Checked like any field below; a preview of a form not yet
		// naming an account still shows what else is wrong.
		in.Accounts = []string{"preview"}
	}
	if err := s.validateDemandInput(&in); err != nil {
		return nil, err
	}
	ag, err := s.Agency(ctx, actor, in.AgencyID)
	if err != nil {
		return nil, err
	}
	now := s.nowUTC()
	d := writ.Demand{AgencyID: ag.ID, Channel: in.Channel, ReceivedAt: now, RequesterVerified: true, Instrument: in.Instrument,
		Citation: in.Citation, IssuedBy: in.IssuedBy, ValidatedBy: in.ValidatedBy, OffenceMaxYears: in.OffenceMaxYears,
		OffenceListed: in.OffenceListed, OffenceInIssuingState: in.OffenceInIssuingState, SubjectResidence: in.SubjectResidence,
		SubjectLocation: in.SubjectLocation, SubjectUSPerson: in.SubjectUSPerson, NoticePermitted: in.NoticePermitted,
		DataCategories: in.DataCategories, Accounts: []string{"preview"}, DateRange: in.DateRange, Due: in.Due,
		Nondisclosure: in.Nondisclosure, Emergency: in.Emergency, CustomerFirstException: in.CustomerFirstException}
	if in.ReceivedAt != nil {
		d.ReceivedAt = in.ReceivedAt.UTC()
	}
	neutral := writ.Customer{Kind: "consumer", HomeCountry: ag.Country, KeyCustody: "provider_managed", KeyCustodyConfirmed: true,
		DataLocations: []writ.DataLocation{{Region: "preview", Country: ag.Country}}}
	a, err := s.assessor.Assess(&d, ag, neutral)
	if err != nil {
		return nil, err
	}
	out := []writ.ReasonDetail{}
	for _, def := range a.Deficiencies {
		out = append(out, writ.ReasonDetail{Code: def.Code, Message: def.Message})
	}
	return out, nil
}
