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
	"writ/i18n"
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
	if in.Language != "" && !i18n.IsLanguageCode(in.Language) {
		return writ.FieldErrorf("language", "%q is not an ISO 639-1 language code (two letters, as fr or de)", in.Language)
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
	var written []writ.Demand
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if idempotencyKey != "" {
			id, claimed, err := s.claimIntakeKey(ctx, tx, actor, idempotencyKey, requestHash)
			if err != nil || !claimed {
				firstID, replayed = id, err == nil
				return err
			}
		}
		written, err = s.insertDemands(ctx, tx, actor, in)
		if err != nil {
			return err
		}
		firstID = written[0].ID
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
	if !replayed {
		return writtenDemand(actor, written), false, nil
	}
	d, err = s.Demand(ctx, actor, firstID)
	return d, true, err
}

// claimIntakeKey claims an idempotency key for a submission with the hash
// requestHash; claimed is false when the key's earlier submission stands,
// and firstID is then the demand it created. Claiming the key first makes
// a concurrent duplicate wait on it (PostgreSQL) or on the write lock
// (SQLite) and then see it. A key older than the keys' lifetime is free
// again; one used for another request is EKEYREUSED.
func (s *Store) claimIntakeKey(ctx context.Context, tx *sql.Tx, actor writ.Actor, key, requestHash string) (firstID int64, claimed bool, err error) {
	now := s.nowUTC()
	res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, request_hash, response, created_at) VALUES ($1, $2, $3, '', $4)
		ON CONFLICT (user_id, key) DO UPDATE SET request_hash = excluded.request_hash, response = '', created_at = excluded.created_at
		WHERE idempotency_keys.created_at < $5`,
		actor.UserID, key, requestHash, now, now.Add(-s.idempotencyTTL))
	if err != nil {
		return 0, false, fmt.Errorf("store: idempotency: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return 0, true, nil
	}
	var hash, response string
	if err := tx.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`, actor.UserID, key).Scan(&hash, &response); err != nil {
		return 0, false, fmt.Errorf("store: idempotency: %w", err)
	}
	if hash != requestHash {
		return 0, false, &writ.Error{Code: writ.EKEYREUSED, Field: "Idempotency-Key", Message: "used before with a different request; send this one with a key of its own"}
	}
	_, err = fmt.Sscan(response, &firstID)
	return firstID, false, err
}

// insertDemands writes the demand, split by customer, and returns the
// parts as written.
//
// Long because: it writes a demand's rows for each customer in one pass that
// shares the group's id and the received time; each part is a statement.
func (s *Store) insertDemands(ctx context.Context, tx *sql.Tx, actor writ.Actor, in writ.DemandInput) ([]writ.Demand, error) {
	ag, err := scanAgency(tx.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`, in.AgencyID))
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
		if check, err = s.checkRequester(ctx, tx, sender, ag.Domains); err != nil {
			return nil, err
		}
	}
	requesterVerified := actor.Role == writ.RoleAgency && ag.Verified && check == requester.Registered
	var written []writ.Demand
	for _, customer := range customers {
		d := writ.Demand{
			Reference: in.Reference, AgencyID: in.AgencyID, CustomerID: customer, Channel: in.Channel, ReceivedAt: received,
			Requester: sender, RequesterVerified: requesterVerified, RequesterCheck: check, Instrument: in.Instrument, Citation: in.Citation,
			IssuedBy: in.IssuedBy, ValidatedBy: in.ValidatedBy, OffenceMaxYears: in.OffenceMaxYears, OffenceListed: in.OffenceListed,
			OffenceInIssuingState: in.OffenceInIssuingState, SubjectResidence: in.SubjectResidence,
			SubjectLocation: in.SubjectLocation, SubjectUSPerson: in.SubjectUSPerson, DataLocationsSought: in.DataLocationsSought,
			NoticePermitted: in.NoticePermitted, Language: in.Language,
			DataCategories: in.DataCategories, Accounts: byCustomer[customer], DateRange: in.DateRange, Due: in.Due,
			Nondisclosure: in.Nondisclosure, Emergency: in.Emergency, CustomerFirstException: in.CustomerFirstException,
			State: writ.StateReceived,
		}
		if d.DataCategories == nil {
			d.DataCategories = []string{}
		}
		if d.Emergency != nil {
			// An emergency is unverified until the legal team records a
			// confirming call, and is to be answered within the target.
			d.Emergency = &writ.Emergency{Justification: d.Emergency.Justification}
			target := received.Add(s.emergencyResponse)
			d.ResponseTarget = &target
		}
		var group any
		if len(written) > 0 {
			group = written[0].ID
		}
		if err := s.writeNewDemand(ctx, tx, actor, newDemand{d: &d, agency: ag, group: group, submittedBy: submittedBy, now: now}); err != nil {
			return nil, err
		}
		written = append(written, d)
	}
	return written, nil
}

// checkRequester checks a requester's address against the domains of the
// agency it names (ownDomains) and of every registered agency.
func (s *Store) checkRequester(ctx context.Context, tx *sql.Tx, address string, ownDomains []string) (string, error) {
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
