package demo

import (
	"writ"
	"writ/store"
)

// The demo's requesting authorities: a dozen, in several countries and of
// every kind (a plaintiff's counsel among them), one of them not yet
// verified.
func agencies() []store.AgencyInput {
	v := func(name, country, kind, domain, phone string) store.AgencyInput {
		return store.AgencyInput{Name: name, Country: country, Kind: kind, Domains: []string{domain}, Phone: phone,
			Verified: true, Verification: "called the switchboard number published on the agency's official site"}
	}
	unverified := v("Springfield Police Department", "US", "law_enforcement", "springfield-pd.example", "+1 555 0100")
	unverified.Verified, unverified.Verification = false, ""
	return []store.AgencyInput{
		v("Federal Bureau of Investigation", "US", "law_enforcement", "fbi.gov", "+1 202 324 3000"),
		v("Manhattan District Attorney's Office", "US", "law_enforcement", "dany.nyc.gov", "+1 212 335 9000"),
		v("FBI National Security Branch", "US", "national_security", "fbi.gov", "+1 202 324 3000"),
		v("Metropolitan Police Service", "GB", "law_enforcement", "met.police.uk", "+44 20 7230 1212"),
		v("Bundeskriminalamt", "DE", "law_enforcement", "bka.bund.de", "+49 611 55 0"),
		v("Parquet de Paris", "FR", "law_enforcement", "justice.fr", "+33 1 44 32 51 51"),
		v("Politie Nederland", "NL", "law_enforcement", "politie.nl", "+31 900 8844"),
		v("Australian Federal Police", "AU", "law_enforcement", "afp.gov.au", "+61 2 5126 0000"),
		v("An Garda Síochána", "IE", "law_enforcement", "garda.ie", "+353 1 666 0000"),
		v("Polícia Federal", "BR", "law_enforcement", "pf.gov.br", "+55 61 2024 8000"),
		v("Autorité des marchés financiers", "FR", "regulator", "amf-france.org", "+33 1 53 45 60 00"),
		v("Counsel for plaintiff, Doe v. Roe (S.D.N.Y.)", "US", "private_party", "litigators.example", "+1 212 555 0142"),
		unverified,
	}
}

func boolp(b bool) *bool { return &b }

// The demo's customers: every kind, home countries on three continents,
// data in several regions, the three kinds of key custody, and German
// customers whose Land's authority supervises them.
func customers() []store.CustomerInput {
	loc := func(region, country string) writ.DataLocation {
		return writ.DataLocation{Region: region, Country: country}
	}
	return []store.CustomerInput{
		{Name: "Acme Corporation", Kind: "enterprise", HomeCountry: "US", LegalContact: "legal@acme.example", KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{loc("us-east-1", "US"), loc("eu-west-1", "IE")},
			Accounts:      []string{"alice@acme.example", "bob@acme.example", "carol@acme.example"}},
		{Name: "Rheinmetall Logistik GmbH", Kind: "enterprise", HomeCountry: "DE", HomeSubdivision: "DE-NW", LegalContact: "recht@rheinlog.example", KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{loc("eu-central-1", "DE"), loc("eu-west-1", "IE")},
			Accounts:      []string{"jonas@rheinlog.example", "mia@rheinlog.example"}},
		{Name: "Société Générale d'Ingénierie", Kind: "enterprise", HomeCountry: "FR", LegalContact: "juridique@sgi.example", KeyCustody: "customer_held",
			DataLocations: []writ.DataLocation{loc("eu-west-3", "FR")},
			Accounts:      []string{"luc@sgi.example", "ines@sgi.example"}},
		{Name: "Thames Analytics Ltd", Kind: "enterprise", HomeCountry: "GB", LegalContact: "legal@thames.example", KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{loc("eu-west-2", "GB"), loc("us-east-1", "US")},
			Accounts:      []string{"oliver@thames.example", "amelia@thames.example"}},
		{Name: "Gemeente Utrecht", Kind: "public_sector", HomeCountry: "NL", HomeSubdivision: "NL-UT", LegalContact: "juridisch@utrecht.example", KeyCustody: "customer_managed",
			DataLocations: []writ.DataLocation{loc("eu-west-4", "NL")},
			Accounts:      []string{"daan@utrecht.example", "sanne@utrecht.example"}},
		{Name: "Helvetia Private Bank", Kind: "enterprise", HomeCountry: "CH", LegalContact: "legal@helvetia.example", KeyCustody: "customer_held",
			DataLocations: []writ.DataLocation{loc("eu-central-2", "CH")},
			Accounts:      []string{"lea@helvetia.example"}},
		{Name: "Sydney Harbour Health", Kind: "public_sector", HomeCountry: "AU", LegalContact: "legal@shh.example", KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{loc("ap-southeast-2", "AU")},
			Accounts:      []string{"jack@shh.example", "chloe@shh.example"}},
		{Name: "Consumer accounts (US)", Kind: "consumer", HomeCountry: "US", KeyCustody: "provider_managed", USPerson: boolp(true),
			DataLocations: []writ.DataLocation{loc("us-east-1", "US"), loc("us-west-2", "US")},
			Accounts:      []string{"jdoe1987@mail.example", "skater.girl@mail.example", "trucker77@mail.example"}},
		{Name: "Consumer accounts (EU)", Kind: "consumer", HomeCountry: "DE", HomeSubdivision: "DE-BY", KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{loc("eu-central-1", "DE")},
			Accounts:      []string{"max.muster@post.example", "lena.b@post.example", "henri@poste.example"}},
		{Name: "Consumer accounts (BR)", Kind: "consumer", HomeCountry: "BR", KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{loc("sa-east-1", "BR"), loc("us-east-1", "US")},
			Accounts:      []string{"joao.silva@correio.example", "ana.souza@correio.example"}},
	}
}

// The demo's users, one per role. The agency user belongs to the first
// agency and the customer user to the first customer.
type demoUser struct {
	role  writ.Role
	name  string
	email string
}

func users() []demoUser {
	return []demoUser{
		{writ.RoleAdmin, "Ada Admin", "admin@provider.example"},
		{writ.RoleReviewer, "Rhea Reviewer", "reviewer@provider.example"},
		{writ.RoleApprover, "Arlo Approver", "approver@provider.example"},
		{writ.RoleAuditor, "Aude Auditor", "auditor@provider.example"},
		{writ.RoleAgency, "Special Agent Dana Scully", "d.scully@fbi.gov"},
		{writ.RoleCustomer, "Acme Legal Desk", "legal@acme.example"},
	}
}
