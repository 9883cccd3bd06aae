package storetest

import (
	"context"
	"testing"

	"writ"
	"writ/store"
)

// RunLanguages runs the tests of users' and customers' languages against
// the stores open makes.
func RunLanguages(t *testing.T, open Opener) {
	t.Run("CustomerLanguageDefaultsToItsHomeCountry", func(t *testing.T) { testCustomerLanguage(t, NewFixture(t, open)) })
	t.Run("UsersChooseTheirOwnLanguage", func(t *testing.T) { testUserLanguage(t, NewFixture(t, open)) })
	t.Run("ADemandKeepsTheLanguageItWasWrittenIn", func(t *testing.T) { testDemandLanguage(t, NewFixture(t, open)) })
}

func testCustomerLanguage(t *testing.T, f *Fixture) {
	ctx := context.Background()
	if f.Enterprise.Language != "de" || f.Consumer.Language != "en" {
		t.Fatalf("defaults: Beispiel AG (DE) %q, Consumers US %q", f.Enterprise.Language, f.Consumer.Language)
	}
	c, err := f.Store.CreateCustomer(ctx, f.Admin, store.CustomerInput{Name: "Exemple SA", Kind: "enterprise", HomeCountry: "BE",
		LegalContact: "juridique@exemple.example", KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "eu-west", Country: "BE"}}})
	if err != nil || c.Language != "fr" {
		t.Fatalf("a Belgian customer: %q, %v", c.Language, err)
	}
	_, err = f.Store.CreateCustomer(ctx, f.Admin, store.CustomerInput{Name: "Bad", Kind: "consumer", HomeCountry: "US", Language: "es",
		KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us", Country: "US"}}})
	if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorField(err) != "language" {
		t.Fatalf("an unknown language: %v", err)
	}
	if _, err := f.Store.SetCustomerLanguage(ctx, f.Reviewer, f.Enterprise.ID, "en"); writ.ErrorCode(err) != writ.EFORBIDDEN {
		t.Fatalf("a reviewer sets a language: %v", err)
	}
	if _, err := f.Store.SetCustomerLanguage(ctx, f.Admin, f.Enterprise.ID, "xx"); writ.ErrorField(err) != "language" {
		t.Fatalf("an unknown language: %v", err)
	}
	if _, err := f.Store.SetCustomerLanguage(ctx, f.Admin, 99999, "en"); writ.ErrorCode(err) != writ.ENOTFOUND {
		t.Fatalf("an unknown customer: %v", err)
	}
	c, err = f.Store.SetCustomerLanguage(ctx, f.Admin, f.Enterprise.ID, "en")
	if err != nil || c.Language != "en" {
		t.Fatalf("set to English: %q, %v", c.Language, err)
	}
	c, err = f.Store.SetCustomerLanguage(ctx, f.Admin, f.Enterprise.ID, "")
	if err != nil || c.Language != "de" {
		t.Fatalf("back to the home country's: %q, %v", c.Language, err)
	}
}

func testUserLanguage(t *testing.T, f *Fixture) {
	ctx := context.Background()
	if err := f.Store.SetUserLanguage(ctx, f.AgencyUserDE, "de"); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.SetUserLanguage(ctx, f.AgencyUserDE, "es"); writ.ErrorField(err) != "language" {
		t.Fatalf("an unknown language: %v", err)
	}
	if err := f.Store.SetUserLanguage(ctx, writ.Actor{}, "fr"); writ.ErrorCode(err) != writ.EFORBIDDEN {
		t.Fatalf("no user: %v", err)
	}
	u, err := f.Store.User(ctx, f.AgencyUserDE.UserID)
	if err != nil || u.Language != "de" {
		t.Fatalf("after the choice: %q, %v", u.Language, err)
	}
	if other, _ := f.Store.User(ctx, f.AgencyUserUS.UserID); other.Language != "" {
		t.Fatalf("another user's language changed: %q", other.Language)
	}
}
