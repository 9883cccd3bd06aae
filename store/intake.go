package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"writ"
	"writ/requester"
)

// validateDemandInput checks a submission field by field; the error names
// the first field at fault.
//
// Long because: one check per field, in the order of the submission form.
func (s *Store) validateDemandInput(in *writ.DemandInput) error {
	if !slices.Contains(s.rules.Instruments(), in.Instrument) {
		return writ.FieldErrorf("instrument", "unknown instrument %q (one of %s)", in.Instrument, strings.Join(s.rules.Instruments(), ", "))
	}
	if !slices.Contains(writ.Issuers(), in.IssuedBy) {
		return writ.FieldErrorf("issued_by", "unknown issuer %q (one of %s)", in.IssuedBy, strings.Join(writ.Issuers(), ", "))
	}
	if in.ValidatedBy != "" && in.ValidatedBy != "judge" && in.ValidatedBy != "prosecutor" {
		return writ.FieldErrorf("validated_by", "must be judge, prosecutor or absent")
	}
	if !slices.Contains(writ.Channels(), in.Channel) {
		return writ.FieldErrorf("channel", "unknown channel %q (one of %s)", in.Channel, strings.Join(writ.Channels(), ", "))
	}
	if in.OffenceMaxYears != nil && (*in.OffenceMaxYears < 0 || *in.OffenceMaxYears > 100) {
		return writ.FieldErrorf("offence_max_years", "must be between 0 and 100")
	}
	if in.SubjectResidence != "" && !s.rules.IsCountry(in.SubjectResidence) {
		return writ.FieldErrorf("subject_residence", "unknown country code %q", in.SubjectResidence)
	}
	if in.SubjectLocation != "" && !s.rules.IsCountry(in.SubjectLocation) {
		return writ.FieldErrorf("subject_location", "unknown country code %q", in.SubjectLocation)
	}
	if err := s.validateSought(in.DataLocationsSought); err != nil {
		return err
	}
	for i, c := range in.DataCategories {
		if !slices.Contains(s.rules.Categories(), c) {
			return writ.FieldErrorf(fmt.Sprintf("data_categories[%d]", i), "unknown data category %q (one of %s)", c, strings.Join(s.rules.Categories(), ", "))
		}
		if slices.Index(in.DataCategories, c) != i {
			return writ.FieldErrorf(fmt.Sprintf("data_categories[%d]", i), "%q is named twice", c)
		}
	}
	if len(in.Accounts) == 0 {
		return writ.FieldErrorf("accounts", "name at least one account")
	}
	if len(in.Accounts) > 1000 {
		return writ.FieldErrorf("accounts", "at most 1000 accounts in one demand")
	}
	for i, a := range in.Accounts {
		a = strings.TrimSpace(a)
		if a == "" || len(a) > 320 {
			return writ.FieldErrorf(fmt.Sprintf("accounts[%d]", i), "an account identifier of 1 to 320 characters is required")
		}
		in.Accounts[i] = a
	}
	if r := in.DateRange; r != nil {
		from, err := parseDate("date_range.from", r.From)
		if err != nil {
			return err
		}
		to, err := parseDate("date_range.to", r.To)
		if err != nil {
			return err
		}
		if to.Before(from) {
			return writ.FieldErrorf("date_range.to", "ends before it starts")
		}
	}
	if err := checkTime("received_at", in.ReceivedAt); err != nil {
		return err
	}
	if err := checkTime("due", in.Due); err != nil {
		return err
	}
	if n := in.Nondisclosure; n != nil {
		if strings.TrimSpace(n.Basis) == "" {
			return writ.FieldErrorf("nondisclosure.basis", "state the legal basis of the non-disclosure order")
		}
		if n.Until != "" {
			if _, err := parseDate("nondisclosure.until", n.Until); err != nil {
				return err
			}
		}
	}
	if e := in.Emergency; e != nil && strings.TrimSpace(e.Justification) == "" {
		return writ.FieldErrorf("emergency.justification", "an emergency claim must say what danger it is about")
	}
	if e := in.Emergency; e != nil && e.VerifiedByCallback {
		// A forged emergency from a stolen police mailbox would claim just
		// that: only the provider's own call to the number in its registry
		// verifies an emergency, recorded after the call.
		return writ.FieldErrorf("emergency.verified_by_callback", "a call-back cannot be claimed with the demand: the provider's legal team records it after calling the agency's registered number")
	}
	if in.ReceivedAt != nil && in.ReceivedAt.After(s.nowUTC()) {
		return writ.FieldErrorf("received_at", "%s is in the future: give the time the demand arrived", in.ReceivedAt.UTC().Format(time.RFC3339))
	}
	if in.CustomerFirstException != "" && !slices.Contains(writ.CustomerFirstExceptions(), in.CustomerFirstException) {
		return writ.FieldErrorf("customer_first_exception", "unknown exception %q (one of %s)", in.CustomerFirstException, strings.Join(writ.CustomerFirstExceptions(), ", "))
	}
	if len(in.Reference) > 200 {
		return writ.FieldErrorf("reference", "at most 200 characters")
	}
	return nil
}

// validateSought checks the regions a demand reaches: known country codes.
// Whether the customer has data there is not an input error — an agency
// must not learn where a customer keeps its data — but a fact the
// assessment weighs (CaseOf).
func (s *Store) validateSought(sought []string) error {
	for i, c := range sought {
		if !s.rules.IsCountry(c) {
			return writ.FieldErrorf(fmt.Sprintf("data_locations_sought[%d]", i), "unknown country code %q", c)
		}
	}
	return nil
}

// Dates and times of a demand lie in the years writ can mean: a date such
// as 0000-01-01 parses, but no court issued an order then, and PostgreSQL
// and SQLite would each store it their own way.
const (
	minYear = 1900
	maxYear = 2199
)

// parseDate reads a YYYY-MM-DD date of field within minYear to maxYear.
func parseDate(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, writ.FieldErrorf(field, "not a date (YYYY-MM-DD): %q", s)
	}
	if t.Year() < minYear || t.Year() > maxYear {
		return t, writ.FieldErrorf(field, "a date between %d and %d is required: %q", minYear, maxYear, s)
	}
	return t, nil
}

// checkTime checks that an optional time of field lies within minYear to
// maxYear.
func checkTime(field string, t *time.Time) error {
	if t != nil && (t.UTC().Year() < minYear || t.UTC().Year() > maxYear) {
		return writ.FieldErrorf(field, "a time between %d and %d is required", minYear, maxYear)
	}
	return nil
}

// CreateDemand takes in a demand. An agency user submits for its own
// agency, received now and by the portal or the API; the legal team records
// demands that arrived by e-mail or mail for any agency, with the time they
// arrived. A demand naming accounts of several customers is split into one
// demand per customer, linked by a group; the first is returned with the
// others in Linked. Each part is assessed in the same transaction.
//
// With a non-empty idempotency key, a repeated call by the same user with
// the same input within the keys' lifetime (Options.IdempotencyTTL)
// returns the demand the first call created (replayed true) instead of
// creating another; the same key with other input is EKEYREUSED.
// Customers and auditors get EFORBIDDEN; EINVALID names the field at fault.
func (s *Store) CreateDemand(ctx context.Context, actor writ.Actor, in writ.DemandInput, idempotencyKey string) (d writ.Demand, replayed bool, err error) {
	switch {
	case actor.Role == writ.RoleAgency:
		if in.AgencyID != 0 && in.AgencyID != actor.AgencyID {
			return d, false, writ.FieldErrorf("agency_id", "an agency submits only its own demands")
		}
		in.AgencyID = actor.AgencyID
		if in.Channel == "" {
			in.Channel = "api"
		}
		if in.Channel != "api" && in.Channel != "portal" {
			return d, false, writ.FieldErrorf("channel", "an agency submits through the portal or the API")
		}
		if in.ReceivedAt != nil {
			return d, false, writ.FieldErrorf("received_at", "set by writ when an agency submits")
		}
	case actor.Role.LegalTeam():
		if in.AgencyID == 0 {
			return d, false, writ.FieldErrorf("agency_id", "name the agency the demand came from")
		}
		if in.Channel == "" {
			return d, false, writ.FieldErrorf("channel", "say how the demand arrived (email or mail)")
		}
	default:
		return d, false, writ.Errorf(writ.EFORBIDDEN, "role %s may not submit demands", actor.Role)
	}
	if err := s.validateDemandInput(&in); err != nil {
		return d, false, err
	}
	request, err := json.Marshal(in)
	if err != nil {
		return d, false, err
	}
	sum := sha256.Sum256(request)
	requestHash := hex.EncodeToString(sum[:])
	var firstID int64
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if idempotencyKey != "" {
			// Claiming the key first makes a concurrent duplicate wait on
			// it (PostgreSQL) or on the write lock (SQLite) and then see it.
			// A key older than the keys' lifetime is free again.
			now := s.nowUTC()
			res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, response, created_at) VALUES ($1, $2, $3, '', $4)
				ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, response = '', created_at = excluded.created_at
				WHERE idempotency_keys.created_at < $5`,
				actor.UserID, idempotencyKey, requestHash, now, now.Add(-s.idempotencyTTL))
			if err != nil {
				return fmt.Errorf("store: idempotency: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				var hash, response string
				if err := tx.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`, actor.UserID, idempotencyKey).Scan(&hash, &response); err != nil {
					return fmt.Errorf("store: idempotency: %w", err)
				}
				if hash != requestHash {
					return &writ.Error{Code: writ.EKEYREUSED, Field: "Idempotency-Key", Message: "used before with a different request; send this one with a key of its own"}
				}
				replayed = true
				_, err := fmt.Sscan(response, &firstID)
				return err
			}
		}
		ids, err := s.insertDemands(ctx, tx, actor, in)
		if err != nil {
			return err
		}
		firstID = ids[0]
		if idempotencyKey != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET response = $1 WHERE user_id = $2 AND key = $3`, fmt.Sprint(firstID), actor.UserID, idempotencyKey); err != nil {
				return fmt.Errorf("store: idempotency: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return d, false, err
	}
	d, err = s.Demand(ctx, actor, firstID)
	return d, replayed, err
}

// insertDemands writes the demand, split by customer, and returns the ids.
//
// Long because: it writes a demand's rows for each customer in one pass that
// shares the group's id and the received time; each part is a statement.
func (s *Store) insertDemands(ctx context.Context, tx *sql.Tx, actor writ.Actor, in writ.DemandInput) ([]int64, error) {
	var agencyVerified bool
	var country, domains string
	err := tx.QueryRowContext(ctx, `SELECT verified, country, domains FROM agencies WHERE id = $1`, in.AgencyID).Scan(&agencyVerified, &country, &domains)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, writ.FieldErrorf("agency_id", "no agency %d", in.AgencyID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: intake: %w", err)
	}
	// Group the accounts by customer, in the order they were named. The
	// accounts the provider does not hold are taken in and answered like
	// any other (no data), so that submitting a demand tells nobody which
	// accounts the provider holds: they go with the first customer's part
	// (never shown to that customer), or, when the demand names no held
	// account, make a part with no customer. So a held account named
	// beside an unheld one makes no part of its own either.
	owner := make([]int64, len(in.Accounts))
	var host int64
	for i, a := range in.Accounts {
		err := tx.QueryRowContext(ctx, `SELECT customer_id FROM accounts WHERE identifier = $1`, a).Scan(&owner[i])
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: intake: %w", err)
		}
		if host == 0 {
			host = owner[i]
		}
	}
	var customers []int64
	byCustomer := map[int64][]string{}
	for i, a := range in.Accounts {
		customer := owner[i]
		if customer == 0 {
			customer = host
		}
		if _, ok := byCustomer[customer]; !ok {
			customers = append(customers, customer)
		}
		if !slices.Contains(byCustomer[customer], a) {
			byCustomer[customer] = append(byCustomer[customer], a)
		}
	}
	now := s.nowUTC()
	received := now
	if in.ReceivedAt != nil {
		received = in.ReceivedAt.UTC().Truncate(time.Microsecond)
	}
	var submittedBy any
	if actor.UserID != 0 {
		submittedBy = actor.UserID
	}
	// A signed-in agency user of a verified agency is the requester; a
	// demand by e-mail or mail waits for the legal team's check, and one
	// from an address off the agency's registered domains is flagged.
	sender, check := in.Requester, ""
	if actor.Role == writ.RoleAgency {
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, actor.UserID).Scan(&sender); err != nil {
			return nil, fmt.Errorf("store: intake: %w", err)
		}
	}
	if sender != "" {
		if check, err = s.checkRequester(ctx, tx, sender, domains); err != nil {
			return nil, err
		}
	}
	requesterVerified := actor.Role == writ.RoleAgency && agencyVerified && check == requester.Registered
	var ids []int64
	for _, customer := range customers {
		d := writ.Demand{
			Reference: in.Reference, AgencyID: in.AgencyID, CustomerID: customer, Channel: in.Channel, ReceivedAt: received,
			Requester: sender, RequesterVerified: requesterVerified, RequesterCheck: check, Instrument: in.Instrument, Citation: in.Citation,
			IssuedBy: in.IssuedBy, ValidatedBy: in.ValidatedBy, OffenceMaxYears: in.OffenceMaxYears, OffenceListed: in.OffenceListed,
			OffenceInIssuingState: in.OffenceInIssuingState, SubjectResidence: in.SubjectResidence,
			SubjectLocation: in.SubjectLocation, SubjectUSPerson: in.SubjectUSPerson, DataLocationsSought: in.DataLocationsSought,
			NoticePermitted: in.NoticePermitted,
			DataCategories:  in.DataCategories, Accounts: byCustomer[customer], DateRange: in.DateRange, Due: in.Due,
			Nondisclosure: in.Nondisclosure, Emergency: in.Emergency, CustomerFirstException: in.CustomerFirstException,
			State: writ.StateReceived,
		}
		if d.DataCategories == nil {
			d.DataCategories = []string{}
		}
		var rangeFrom, rangeTo, ndoBasis, ndoUntil, justification string
		if d.DateRange != nil {
			rangeFrom, rangeTo = d.DateRange.From, d.DateRange.To
		}
		if d.Nondisclosure != nil {
			ndoBasis, ndoUntil = d.Nondisclosure.Basis, d.Nondisclosure.Until
		}
		if d.Emergency != nil {
			// An emergency is unverified until the legal team records a
			// confirming call, and is to be answered within the target.
			d.Emergency = &writ.Emergency{Justification: d.Emergency.Justification}
			justification = d.Emergency.Justification
			target := received.Add(s.emergencyResponse)
			d.ResponseTarget = &target
		}
		group := any(nil)
		if len(ids) > 0 {
			group = ids[0]
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO demands (group_id, reference, agency_id, customer_id, submitted_by, channel, received_at,
			requester, requester_verified, requester_check, instrument, citation, issued_by, validated_by, offence_max_years, offence_listed,
			offence_in_issuing_state, subject_residence, data_categories, accounts, range_from, range_to, due, ndo, ndo_basis, ndo_until,
			emergency, emergency_justification, customer_first_exception, state, authority_country, response_target, updated_at,
			subject_location, subject_us_person, data_locations_sought, notice_permitted)
			VALUES (COALESCE($1, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37) RETURNING id`,
			group, d.Reference, d.AgencyID, nullIfZero(d.CustomerID), submittedBy, d.Channel, d.ReceivedAt,
			d.Requester, d.RequesterVerified, d.RequesterCheck, d.Instrument, d.Citation, d.IssuedBy, d.ValidatedBy, d.OffenceMaxYears, d.OffenceListed,
			nullBool(d.OffenceInIssuingState), d.SubjectResidence, jsonText(d.DataCategories), jsonText(d.Accounts), rangeFrom, rangeTo,
			nullTime(d.Due), d.Nondisclosure != nil, ndoBasis, ndoUntil, d.Emergency != nil, justification,
			d.CustomerFirstException, string(d.State), country, nullTime(d.ResponseTarget), now,
			d.SubjectLocation, nullBool(d.SubjectUSPerson), jsonText(d.DataLocationsSought), d.NoticePermitted).Scan(&d.ID)
		if err != nil {
			return nil, fmt.Errorf("store: intake: %w", err)
		}
		if len(ids) == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE demands SET group_id = id WHERE id = $1`, d.ID); err != nil {
				return nil, fmt.Errorf("store: intake: %w", err)
			}
		}
		for _, a := range d.Accounts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO demand_accounts (demand_id, account) VALUES ($1, $2)`, d.ID, a); err != nil {
				return nil, fmt.Errorf("store: intake: %w", err)
			}
		}
		a, err := s.reassess(ctx, tx, &d)
		if err != nil {
			return nil, err
		}
		id := d.ID
		d.GroupID = firstOr(ids, d.ID)
		if err := s.appendEvent(ctx, tx, actor, &id, "demand.received", map[string]any{
			"demand": d, "rulebook": s.rules.Version(), "route": a.Route}); err != nil {
			return nil, err
		}
		if d.Emergency != nil {
			// Announced to the legal team the moment it arrives.
			if err := s.jobs.EmergencyAlert(ctx, tx, d.ID, now); err != nil {
				return nil, err
			}
		}
		ids = append(ids, d.ID)
	}
	return ids, nil
}

func firstOr(ids []int64, id int64) int64 {
	if len(ids) > 0 {
		return ids[0]
	}
	return id
}

// checkRequester checks a requester's address against the domains of the
// agency it names (own, as stored JSON) and of every registered agency.
func (s *Store) checkRequester(ctx context.Context, tx *sql.Tx, address, own string) (string, error) {
	ownDomains, err := fromJSONText[string](own)
	if err != nil {
		return "", err
	}
	rows, err := tx.QueryContext(ctx, `SELECT domains FROM agencies`)
	if err != nil {
		return "", fmt.Errorf("store: requester check: %w", err)
	}
	defer rows.Close()
	var all []string
	for rows.Next() {
		var ds string
		if err := rows.Scan(&ds); err != nil {
			return "", fmt.Errorf("store: requester check: %w", err)
		}
		list, err := fromJSONText[string](ds)
		if err != nil {
			return "", err
		}
		all = append(all, list...)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("store: requester check: %w", err)
	}
	return requester.Check(address, ownDomains, all).Code, nil
}
