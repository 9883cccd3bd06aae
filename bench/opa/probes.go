package main

import (
	"encoding/json"
	"fmt"
	"time"

	"writ/rules"
)

// Probes are cases written for the changes of rulebook v2 (rulebook.md,
// "Changes from v1", items 1–27): each is a plain demand changed just
// enough for one v2 rule to decide, at the edges the rulebook names (the
// first day an instrument is in force, a 10th day on a weekend or next to a
// change of Irish summer time, a return date before the objection
// deadline). The case files and the generated cases reach most of these
// too; the probes make sure the agreement is checked on each, whatever the
// generator's seed. TestV2ChangesAreExercised shows which case exercises
// which change.

// probeBase is a plain, sufficient demand: a US warrant for the content of a
// US consumer's account, received on Friday 20 November 2026 at 14:00 UTC.
func probeBase() rules.Case {
	return rules.Case{
		Demand: rules.Demand{
			ReceivedAt:     time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC),
			Channel:        "portal",
			Authority:      rules.Authority{Name: "Example Police", Country: "US", Kind: rules.KindLawEnforcement, Verified: true},
			Instrument:     "us_search_warrant",
			IssuedBy:       "judge",
			DataCategories: []string{"content"},
			Accounts:       []string{"user@tenant.example"},
		},
		Customer: rules.Customer{Kind: rules.CustomerConsumer, HomeCountry: "US", DataLocations: []string{"US"}, KeyCustody: rules.KeysProviderManaged},
	}
}

// edit changes a case; edits combine with both.
type edit func(*rules.Case)

func both(es ...edit) edit {
	return func(c *rules.Case) {
		for _, e := range es {
			e(c)
		}
	}
}

func uses(code, issuedBy string) edit {
	return func(c *rules.Case) { c.Demand.Instrument, c.Demand.IssuedBy = code, issuedBy }
}
func validatedBy(v string) edit { return func(c *rules.Case) { c.Demand.ValidatedBy = v } }
func byAuthorityOf(country string) edit {
	return func(c *rules.Case) { c.Demand.Authority.Country = country }
}
func ofKind(kind string) edit    { return func(c *rules.Case) { c.Demand.Authority.Kind = kind } }
func unverified() edit           { return func(c *rules.Case) { c.Demand.Authority.Verified = false } }
func asks(cats ...string) edit   { return func(c *rules.Case) { c.Demand.DataCategories = cats } }
func offence(years float64) edit { return func(c *rules.Case) { c.Demand.OffenceMaxYears = &years } }
func listedOffence() edit        { return func(c *rules.Case) { c.Demand.OffenceListed = true } }
func residentIn(country string) edit {
	return func(c *rules.Case) { c.Demand.SubjectResidence = country }
}
func locatedIn(country string) edit {
	return func(c *rules.Case) { c.Demand.SubjectLocation = country }
}
func subjectUSPerson(b bool) edit { return func(c *rules.Case) { c.Demand.SubjectUSPerson = &b } }
func seeks(l ...string) edit      { return func(c *rules.Case) { c.Demand.DataLocationsSought = l } }
func noticePermitted() edit       { return func(c *rules.Case) { c.Demand.NoticePermitted = true } }
func exception(e string) edit     { return func(c *rules.Case) { c.Demand.CustomerFirstException = e } }
func subdivision(s string) edit   { return func(c *rules.Case) { c.Customer.HomeSubdivision = s } }
func keys(custody string) edit    { return func(c *rules.Case) { c.Customer.KeyCustody = custody } }
func storedIn(l ...string) edit   { return func(c *rules.Case) { c.Customer.DataLocations = l } }

func emergency(verified bool) edit {
	return func(c *rules.Case) {
		c.Demand.Emergency = &rules.Emergency{Justification: "threat to life", VerifiedByCallback: verified}
	}
}

func customer(kind, home string, locations ...string) edit {
	return func(c *rules.Case) {
		c.Customer.Kind, c.Customer.HomeCountry = kind, home
		if len(locations) > 0 {
			c.Customer.DataLocations = locations
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func receivedAt(s string) edit { return func(c *rules.Case) { c.Demand.ReceivedAt = mustTime(s) } }

func due(s string) edit {
	return func(c *rules.Case) {
		t := mustTime(s)
		c.Demand.Due = &t
	}
}

// ndo gives a non-disclosure order whose last day is until ("" for none).
func ndo(until string) edit {
	return func(c *rules.Case) {
		n := &rules.Nondisclosure{Basis: "18 U.S.C. 2705(b)"}
		if until != "" {
			d, err := rules.ParseDate(until)
			if err != nil {
				panic(err)
			}
			n.Until = &d
		}
		c.Demand.Nondisclosure = n
	}
}

// epoc is a European Production Order of a French judge for the content of
// a Belgian consumer's account stored in Ireland, for a 5-year offence.
func epoc(es ...edit) edit {
	return both(append([]edit{byAuthorityOf("FR"), uses("eu_epoc", "judge"), offence(5), customer(rules.CustomerConsumer, "BE", "IE")}, es...)...)
}

// epocPR is a German judge's European Preservation Order for a German
// consumer's data in Ireland.
func epocPR(es ...edit) edit {
	return both(append([]edit{byAuthorityOf("DE"), uses("eu_epoc_pr", "judge"), customer(rules.CustomerConsumer, "DE", "IE")}, es...)...)
}

// copo is a UK overseas production order about a GB consumer whose data is
// in the US, for a 5-year offence.
func copo(es ...edit) edit {
	return both(append([]edit{byAuthorityOf("GB"), uses("uk_copo", "judge"), offence(5), customer(rules.CustomerConsumer, "GB", "US")}, es...)...)
}

// ipo is the same under the AU–US Agreement.
func ipo(es ...edit) edit {
	return both(append([]edit{byAuthorityOf("AU"), uses("au_ipo", "judge"), offence(5), customer(rules.CustomerConsumer, "AU", "US")}, es...)...)
}

// civil is a private litigant's civil subpoena for a US consumer's
// subscriber and traffic records.
func civil(es ...edit) edit {
	return both(append([]edit{ofKind(rules.KindPrivateParty), uses("us_civil_subpoena", "other"), asks("subscriber", "traffic")}, es...)...)
}

// police is a foreign police request from country for subscriber data of a
// consumer at home there whose data is in the US.
func police(country string, es ...edit) edit {
	return both(append([]edit{byAuthorityOf(country), uses("foreign_police_request", "police"), asks("subscriber"), customer(rules.CustomerConsumer, country, "US")}, es...)...)
}

// preservation is a foreign preservation request from country about a
// consumer at home there whose data is in the US.
func preservation(country string, es ...edit) edit {
	return both(append([]edit{byAuthorityOf(country), uses("foreign_preservation_request", "police"), asks("content"), customer(rules.CustomerConsumer, country, "US")}, es...)...)
}

// emergencyRequest is a US voluntary emergency request for a US consumer's
// content, verified by call-back.
func emergencyRequest(es ...edit) edit {
	return both(append([]edit{uses("us_emergency", "police"), emergency(true)}, es...)...)
}

// probes are the v2 cases, by name (the number is the change's in
// rulebook.md).
var probes = []struct {
	name string
	edit edit
}{
	// 1. The national-security exception to customer-first.
	{"01 Section 702 directive for an enterprise customer", both(uses("us_fisa_702_directive", "other"), ofKind(rules.KindNationalSecurity), customer(rules.CustomerEnterprise, "US"))},
	{"01 FISA order with an emergency", both(uses("us_fisa_order", "judge"), emergency(true), customer(rules.CustomerEnterprise, "US"))},
	{"01 ordinary process of a national-security authority", both(uses("us_2703d_order", "judge"), asks("traffic"), ofKind(rules.KindNationalSecurity), customer(rules.CustomerPublicSector, "US"))},
	// 2. NSL scope.
	{"02 NSL for subscriber records", both(uses("us_nsl", "other"), asks("subscriber"))},
	{"02 NSL for traffic records", both(uses("us_nsl", "other"), asks("traffic", "identification"))},
	// 3. The effective issuer of EU orders.
	{"03 prosecutor's EPOC for content validated by a judge", epoc(uses("eu_epoc", "prosecutor"), validatedBy("judge"))},
	{"03 tribunal's EPOC validated by a judge", epoc(uses("eu_epoc", "tribunal"), validatedBy("judge"))},
	{"03 police EPOC validated by a prosecutor", epoc(uses("eu_epoc", "police"), validatedBy("prosecutor"), asks("subscriber"))},
	// 4. Instruments in force.
	{"04 EPOC the evening before the Regulation applies", epoc(receivedAt("2026-08-17T23:30:00Z"))},
	{"04 EPOC at 00:00 UTC on the day it applies", epoc(receivedAt("2026-08-18T00:00:00Z"), asks("subscriber"))},
	{"04 EPOC not in force, with a due date and a non-disclosure order", epoc(receivedAt("2026-06-01T10:00:00Z"), uses("eu_epoc", "prosecutor"), due("2026-06-15T00:00:00Z"), ndo("2026-07-01"))},
	{"04 European Preservation Order not in force", epocPR(receivedAt("2026-08-01T09:00:00Z"))},
	{"04 UK order the second before the Agreement", copo(receivedAt("2022-10-02T23:59:59Z"))},
	{"04 UK order on the Agreement's first day", copo(receivedAt("2022-10-03T00:00:00Z"))},
	{"04 Australian order before 31 January 2024", ipo(receivedAt("2024-01-30T12:00:00Z"))},
	{"04 Australian order on 31 January 2024", ipo(receivedAt("2024-01-31T00:00:00Z"))},
	// 5 and 20. Executive agreements.
	{"05 UK order about a person located in the US", copo(locatedIn("US"))},
	{"05 UK order about a person residing in the US", copo(residentIn("US"), locatedIn("FR"))},
	{"05 UK order for a 2-year offence", copo(offence(2))},
	{"05 UK order for exactly 3 years", copo(offence(3))},
	{"05 UK order for a listed minor offence asking subscriber data", copo(offence(1), listedOffence(), asks("subscriber"))},
	{"05 Australian order for 2.5 years", ipo(offence(2.5), uses("au_ipo", "tribunal"))},
	{"05 unverified UK order for content", copo(unverified())},
	{"20 UK order about a GB company's US-person employee", copo(customer(rules.CustomerEnterprise, "GB", "US"), exception("customer_complicit"), subjectUSPerson(true))},
	{"20 UK order about a non-US person located in the US", copo(subjectUSPerson(false), locatedIn("US"))},
	{"20 Australian order about a US person", ipo(subjectUSPerson(true))},
	// 6 and 24. Comity.
	{"06 warrant for a GB consumer residing in the US", both(customer(rules.CustomerConsumer, "GB", "GB"), residentIn("US"))},
	{"06 warrant for a GB consumer residing in the US, data in Germany", both(customer(rules.CustomerConsumer, "GB", "DE"), residentIn("US"))},
	{"24 warrant for a German consumer residing in GB", both(customer(rules.CustomerConsumer, "DE", "DE"), residentIn("GB"))},
	{"24 warrant for a French customer's data sought in Australia", both(customer(rules.CustomerConsumer, "FR", "FR", "AU"), seeks("AU"))},
	{"24 warrant for a French customer's data sought in France", both(customer(rules.CustomerConsumer, "FR", "FR", "AU"), seeks("FR"))},
	// 7 and 26. Emergencies.
	{"07 verified emergency request for EEA data", emergencyRequest(customer(rules.CustomerConsumer, "DE", "DE"))},
	{"07 unverified emergency request for EEA data", both(uses("us_emergency", "police"), emergency(false), customer(rules.CustomerConsumer, "DE", "DE"))},
	{"07 warrant with a verified emergency for EEA data", both(emergency(true), customer(rules.CustomerConsumer, "DE", "DE"))},
	{"07 Indian police with a verified emergency ask for traffic", police("IN", asks("traffic", "subscriber"), emergency(true))},
	{"07 Indian police with an unverified emergency ask for traffic", police("IN", asks("traffic"), emergency(false))},
	{"26 verified emergency request for data in China", emergencyRequest(storedIn("CN"))},
	{"26 verified emergency request for data in Germany and Switzerland", emergencyRequest(customer(rules.CustomerConsumer, "DE", "DE", "CH"))},
	{"26 verified emergency request about a French business", emergencyRequest(customer(rules.CustomerEnterprise, "FR", "US"))},
	// 8 and 23. Private parties and civil subpoenas.
	{"08 civil subpoena for non-content records", civil()},
	{"08 civil subpoena for content", civil(asks("content"))},
	{"08 civil subpoena of law enforcement", civil(ofKind(rules.KindLawEnforcement))},
	{"08 private party with a grand-jury subpoena", both(ofKind(rules.KindPrivateParty), uses("us_subpoena", "other"), asks("subscriber"))},
	{"08 private party with a warrant", ofKind(rules.KindPrivateParty)},
	{"08 private party claiming a verified emergency", civil(emergency(true))},
	{"08 private party claiming an unverified emergency", civil(emergency(false))},
	{"08 civil subpoena for data in Switzerland", civil(storedIn("CH"))},
	{"08 civil subpoena for an enterprise customer", civil(customer(rules.CustomerEnterprise, "US"))},
	{"23 civil subpoena returnable in three days", civil(due("2026-11-23T17:00:00Z"))},
	{"23 civil subpoena returnable in two months", civil(due("2027-01-15T00:00:00Z"))},
	{"23 civil subpoena for content returnable in eleven days", civil(asks("content"), due("2026-12-01T00:00:00Z"))},
	// 9. Foreign preservation requests.
	{"09 German preservation request", preservation("DE", asks("content", "traffic"), customer(rules.CustomerConsumer, "DE", "DE"))},
	{"09 Brazilian preservation request", preservation("BR", uses("foreign_preservation_request", "prosecutor"))},
	{"09 preservation request from the US", preservation("US")},
	{"09 French preservation request for an enterprise customer", preservation("FR", customer(rules.CustomerEnterprise, "FR", "FR"))},
	// 10. Foreign police country profiles.
	{"10 Canadian police ask for subscriber data", police("CA")},
	{"10 Canadian police ask for identification data", police("CA", asks("identification"))},
	{"10 Canadian police with a verified emergency ask for traffic", police("CA", asks("traffic"), emergency(true))},
	{"10 Brazilian police ask for cadastral and identification data", police("BR", asks("subscriber", "identification"))},
	{"10 Brazilian police with a verified emergency", police("BR", emergency(true))},
	{"10 Indian police without a due date", police("IN", asks("identification"))},
	{"10 Indian police with a due date", police("IN", due("2026-12-10T00:00:00Z"))},
	{"10 Mexican police due in exactly 7 days", police("MX", due("2026-11-27T14:00:00Z"))},
	{"10 Indian police for an enterprise customer", police("IN", customer(rules.CustomerEnterprise, "IN", "US"))},
	{"10 unverified Indian police", police("IN", unverified())},
	// 11 and 25. Key custody.
	{"11 customer-held keys", keys(rules.KeysCustomerHeld)},
	{"11 customer-held keys, subscriber and content asked", both(keys(rules.KeysCustomerHeld), asks("subscriber", "content"))},
	{"25 BYOK key in the provider's key service", keys(rules.KeysCustomerManaged)},
	// 12. Region-scoped demands.
	{"12 warrant for the US region of a customer also in Germany", both(storedIn("US", "DE"), seeks("US"))},
	{"12 warrant for a German consumer's US region", both(customer(rules.CustomerConsumer, "DE", "US", "DE"), seeks("US"))},
	{"12 warrant for Swiss data sought", both(storedIn("US", "CH"), seeks("CH"))},
	{"12 warrant for Chinese data sought twice", both(storedIn("US", "CN"), seeks("CN", "CN"))},
	{"12 Mexican court order for German data sought", both(byAuthorityOf("MX"), uses("foreign_court_order", "judge"), customer(rules.CustomerConsumer, "US", "US", "FR", "DE"), seeks("DE"))},
	// 13 and 22. The transparency report.
	{"13 national security letter", both(uses("us_nsl", "other"), ofKind(rules.KindNationalSecurity), asks("subscriber"))},
	{"13 FISA order for traffic", both(uses("us_fisa_order", "judge"), ofKind(rules.KindNationalSecurity), asks("traffic"))},
	{"13 FISA order for content", both(uses("us_fisa_order", "judge"), ofKind(rules.KindNationalSecurity))},
	{"22 foreign national-security authority's court order", both(byAuthorityOf("FR"), ofKind(rules.KindNationalSecurity), uses("foreign_court_order", "judge"), asks("subscriber"), customer(rules.CustomerConsumer, "FR", "US"))},
	// 14. The DPA by competence.
	{"14 Bavarian business, Mexican court order", both(byAuthorityOf("MX"), uses("foreign_court_order", "judge"), asks("subscriber"), customer(rules.CustomerEnterprise, "DE", "DE"), subdivision("DE-BY"), exception("customer_complicit"))},
	{"14 consumer in North Rhine-Westphalia", both(customer(rules.CustomerConsumer, "DE", "DE"), subdivision("DE-NW"))},
	{"14 Bavarian public body", both(customer(rules.CustomerPublicSector, "DE", "DE"), subdivision("DE-BY"), exception("customer_complicit"))},
	{"14 Catalan business", both(customer(rules.CustomerEnterprise, "ES", "ES"), subdivision("ES-CT"), exception("customer_complicit"))},
	{"14 German subdivision the directory does not list", both(customer(rules.CustomerConsumer, "DE", "DE"), subdivision("DE-XX"))},
	{"14 Californian consumer with data in Germany", both(customer(rules.CustomerConsumer, "US", "US", "DE"), subdivision("US-CA"))},
	// 16. The review of a delayed notice.
	{"16 non-disclosure order ending on 20 May 2027", ndo("2027-05-20")},
	{"16 non-disclosure order ending on 31 December 2026", both(ndo("2026-12-31"), uses("us_2703d_order", "judge"), asks("traffic"))},
	// 17. EU orders are confidential by default.
	{"17 EPOC whose issuer permits notice", epoc(noticePermitted())},
	{"17 EPOC for an enterprise customer, redirected", epoc(customer(rules.CustomerEnterprise, "BE", "IE"), asks("subscriber"))},
	{"17 unverified EPOC", epoc(unverified())},
	{"17 EPOC in an emergency", epoc(emergency(true), asks("subscriber"))},
	{"17 EPOC in an emergency whose issuer permits notice", epoc(emergency(true), asks("subscriber"), noticePermitted())},
	{"17 EPOC with a non-disclosure order", epoc(ndo("2027-02-01"))},
	{"17 EPOC with an indefinite non-disclosure order", epoc(ndo(""))},
	{"17 European Preservation Order", epocPR()},
	{"17 European Preservation Order whose issuer permits notice", epocPR(noticePermitted())},
	{"17 warrant marked notice_permitted", noticePermitted()},
	{"17 EPOC colliding with Chinese law, notice permitted", epoc(customer(rules.CustomerConsumer, "BE", "IE", "CN"), noticePermitted())},
	{"17 EPOC colliding with Chinese law, kept confidential", epoc(customer(rules.CustomerConsumer, "BE", "IE", "CN"))},
	// 18. The enforcing authority's window on Ireland's calendar
	// (rulebook.md §6, each worked example, and the changes of summer time).
	{"18 EPOC received at 23:59:59 UTC in winter", epoc(asks("traffic"), receivedAt("2026-11-20T23:59:59Z"))},
	{"18 EPOC received at midnight UTC in winter", epoc(asks("traffic"), receivedAt("2026-11-21T00:00:00Z"))},
	{"18 EPOC received at 23:30 UTC in summer", epoc(asks("traffic"), receivedAt("2026-08-20T23:30:00Z"))},
	{"18 EPOC whose 10th day is a Saturday", epoc(asks("traffic"), receivedAt("2026-11-18T10:00:00Z"))},
	{"18 EPOC whose 10th day is a Sunday", epoc(asks("traffic"), receivedAt("2026-11-19T10:00:00Z"))},
	{"18 EPOC whose 10th day is the Sunday summer time begins", epoc(asks("traffic"), receivedAt("2027-03-18T12:00:00Z"))},
	{"18 EPOC whose window ends after summer time ends", epoc(asks("traffic"), receivedAt("2026-10-15T12:00:00Z"))},
	{"18 EPOC in an emergency: hours", epoc(emergency(true))},
	{"18 EPOC exempt from notification", epoc(asks("traffic"), func(c *rules.Case) {
		local := true
		c.Demand.OffenceInIssuingState = &local
		c.Demand.SubjectResidence = "FR"
	})},
	// 19. Preservation on receipt of an EPOC.
	{"19 EPOC of a police officer, rejected", epoc(uses("eu_epoc", "police"))},
	// 21. FISA instruments never end by date.
	{"21 FISA order received in 2099", both(uses("us_fisa_order", "judge"), receivedAt("2099-06-01T00:00:00Z"))},
	{"21 Section 702 directive received after April 2026", both(uses("us_fisa_702_directive", "other"), ofKind(rules.KindNationalSecurity), receivedAt("2026-05-01T00:00:00Z"))},
	// 27. The citations, through the decisions they support.
	{"27 Irish EPOC", epoc(byAuthorityOf("IE"))},
	{"27 subpoena for data in Switzerland", both(uses("us_subpoena", "other"), asks("subscriber"), storedIn("CH"))},
}

// probeCases builds the probes, each checked by writ's DecodeCase as a case
// file would be.
func probeCases(rb *rules.Rulebook) ([]namedCase, error) {
	out := make([]namedCase, 0, len(probes))
	for _, p := range probes {
		c := probeBase()
		p.edit(&c)
		text, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		decoded, err := rb.DecodeCase(text)
		if err != nil {
			return nil, fmt.Errorf("probe %q: %w", p.name, err)
		}
		out = append(out, namedCase{name: "v2 probe " + p.name, c: decoded})
	}
	return out, nil
}
