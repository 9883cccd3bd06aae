// Package storetest is the one test suite of package store, run against
// every database writ supports: SQLite in store's own tests and PostgreSQL
// when a server is reachable. A behaviour that holds on one and not the
// other is a bug. Its fixture and databases serve the suites of the
// packages that keep their records in the store (identity, sealing) too.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"writ"
	"writ/casework"
	"writ/identity"
	"writ/rules"
	"writ/store"
)

// Opener opens a fresh, migrated, empty store whose clock is now.
type Opener func(t *testing.T, now func() time.Time) *store.Store

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Fixture is a small registry: two agencies, three customers and a user of
// every role, with agency and customer users for two of each.
type Fixture struct {
	Store *store.Store
	// Identity keeps the users, sessions and tokens in Store.
	Identity *identity.Service
	Clock    *Clock
	// Agencies: US verified law enforcement, DE verified, US unverified.
	AgencyUS, AgencyDE, AgencyUnverified writ.Agency
	// Customers: an enterprise in DE (data in DE and IE), a US consumer,
	// a US enterprise.
	Enterprise, Consumer, USEnterprise writ.Customer

	Admin, Reviewer, Approver, Approver2, Auditor writ.Actor
	AgencyUserUS, AgencyUserDE                    writ.Actor
	CustomerUserEnterprise, CustomerUserConsumer  writ.Actor
}

// Start is the fixture clock's starting time.
var Start = time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)

// NewFixture opens a store and fills the registry.
func NewFixture(t *testing.T, open Opener) *Fixture {
	t.Helper()
	f := &Fixture{Clock: NewClock(Start)}
	f.Store = open(t, f.Clock.Now)
	f.Identity = identity.New(f.Store)
	f.fill(t)
	return f
}

// fill registers the fixture's agencies, customers and users in its store.
func (f *Fixture) fill(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	sys := writ.System()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.AgencyUS, err = f.Store.CreateAgency(ctx, sys, store.AgencyInput{Name: "Example County Sheriff", Country: "US", Kind: "law_enforcement",
		Domains: []string{"sheriff.example.gov"}, Phone: "+1 555 0100", Verified: true, Verification: "call-back to published number"})
	must(err)
	f.AgencyDE, err = f.Store.CreateAgency(ctx, sys, store.AgencyInput{Name: "Landeskriminalamt", Country: "DE", Kind: "law_enforcement",
		Domains: []string{"lka.example.de"}, Verified: true, Verification: "registry of the ministry"})
	must(err)
	f.AgencyUnverified, err = f.Store.CreateAgency(ctx, sys, store.AgencyInput{Name: "Unknown Police", Country: "US", Kind: "law_enforcement",
		Domains: []string{"unknown-police.example"}, Phone: "+1 555 0199"})
	must(err)
	f.Enterprise, err = f.Store.CreateCustomer(ctx, sys, store.CustomerInput{Name: "Beispiel AG", Kind: "enterprise", HomeCountry: "DE",
		LegalContact: "recht@beispiel.example", KeyCustody: "provider_managed",
		DataLocations: []writ.DataLocation{{Region: "eu-central-1", Country: "DE"}, {Region: "eu-west-1", Country: "IE"}},
		Accounts:      []string{"anna@beispiel.example", "ben@beispiel.example"}})
	must(err)
	f.Consumer, err = f.Store.CreateCustomer(ctx, sys, store.CustomerInput{Name: "Consumers US", Kind: "consumer", HomeCountry: "US",
		KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}},
		Accounts: []string{"joe@mail.example", "jane@mail.example"}})
	must(err)
	f.USEnterprise, err = f.Store.CreateCustomer(ctx, sys, store.CustomerInput{Name: "Acme Inc", Kind: "enterprise", HomeCountry: "US",
		LegalContact: "legal@acme.example", KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}},
		Accounts: []string{"alice@acme.example"}})
	must(err)
	user := func(name, email string, role writ.Role, agency, customer int64) writ.Actor {
		t.Helper()
		in := identity.UserInput{Name: name, Email: email, Role: role}
		if agency != 0 {
			in.AgencyID = &agency
		}
		if customer != 0 {
			in.CustomerID = &customer
		}
		u, err := f.Identity.CreateUser(ctx, sys, in)
		must(err)
		if role == writ.RoleAgency {
			u, err = f.Identity.ConfirmUser(ctx, sys, u.ID, "called the agency's registered number")
			must(err)
		}
		return writ.ActorOf(u)
	}
	f.Admin = user("Ada", "ada@provider.example", writ.RoleAdmin, 0, 0)
	f.Reviewer = user("Rhea", "rhea@provider.example", writ.RoleReviewer, 0, 0)
	f.Approver = user("Arlo", "arlo@provider.example", writ.RoleApprover, 0, 0)
	f.Approver2 = user("Aria", "aria@provider.example", writ.RoleApprover, 0, 0)
	f.Auditor = user("Aude", "aude@provider.example", writ.RoleAuditor, 0, 0)
	f.AgencyUserUS = user("Deputy Dan", "dan@sheriff.example.gov", writ.RoleAgency, f.AgencyUS.ID, 0)
	f.AgencyUserDE = user("Kommissarin Kim", "kim@lka.example.de", writ.RoleAgency, f.AgencyDE.ID, 0)
	f.CustomerUserEnterprise = user("Beispiel Recht", "recht@beispiel.example", writ.RoleCustomer, 0, f.Enterprise.ID)
	f.CustomerUserConsumer = user("Consumer Ops", "ops@consumers.example", writ.RoleCustomer, 0, f.Consumer.ID)
}

// Warrant is a sufficient US search warrant for the given accounts.
func Warrant(accounts ...string) writ.DemandInput {
	return writ.DemandInput{Reference: "SW-1", Instrument: "us_search_warrant", IssuedBy: "judge",
		DataCategories: []string{"content"}, Accounts: accounts}
}

// NationalSecurityAgent registers a verified national-security agency and
// a confirmed user of it, who is returned.
func (f *Fixture) NationalSecurityAgent(t *testing.T) writ.Actor {
	t.Helper()
	ctx := context.Background()
	nsb, err := f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "National Security Branch", Country: "US", Kind: "national_security",
		Domains: []string{"nsb.example.gov"}, Phone: "+1 555 0700", Verified: true, Verification: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	agency := nsb.ID
	u, err := f.Identity.CreateUser(ctx, writ.System(), identity.UserInput{Name: "Agent", Email: "agent@nsb.example.gov", Role: writ.RoleAgency, AgencyID: &agency})
	if err == nil {
		u, err = f.Identity.ConfirmUser(ctx, writ.System(), u.ID, "called the registered number")
	}
	if err != nil {
		t.Fatal(err)
	}
	return writ.ActorOf(u)
}

// StoredCase is the case the rulebook assesses for a stored demand: the
// demand with its agency and customer as the store holds them.
func StoredCase(t *testing.T, st *store.Store, d writ.Demand) rules.Case {
	t.Helper()
	ctx := context.Background()
	agency, err := st.Agency(ctx, writ.System(), d.AgencyID)
	if err != nil {
		t.Fatal(err)
	}
	customer, err := st.Customer(ctx, writ.System(), d.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	k, err := casework.CaseOf(&d, agency, customer)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
