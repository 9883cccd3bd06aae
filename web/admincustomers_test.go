package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"writ"
)

// An admin registers a customer with its data locations and key custody
// from the page; a refusal is shown next to the field it names, with what
// was typed; nobody else may register one.
func TestAdminRegistersACustomer(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	admin := s.browser(t).signIn(s.Admin)
	admin.get("/admin/customers").want(http.StatusOK, "/admin/customers", `id="customer-form"`)
	form := func(changes map[string][]string) url.Values {
		f := url.Values{"name": {"Gemeinde Musterstadt"}, "kind": {"public_sector"}, "home_country": {"de"}, "home_subdivision": {"de-by"},
			"legal_contact": {"recht@musterstadt.example"}, "key_custody": {"customer_held"},
			"region": {"", "eu-central-1", "", "eu-west-1"}, "country": {"", "de", "", "IE"}, "accounts": {"amt@musterstadt.example\nrat@musterstadt.example"}}
		for k, v := range changes {
			f[k] = v
		}
		return f
	}
	cases := []struct {
		name    string
		changes map[string][]string
		field   string // the element id the message follows
		message string
	}{
		{"no name", map[string][]string{"name": {" "}}, "c-name", "name is required"},
		{"a bad country in the second location", map[string][]string{"country": {"", "de", "", "XX"}}, "c-country-1", "unknown country code &#34;XX&#34;"},
		{"no location", map[string][]string{"region": {""}, "country": {""}}, "c-country-0", "at least one region"},
		{"no legal contact", map[string][]string{"legal_contact": {""}}, "c-contact", "needs a legal contact"},
		{"no key custody", map[string][]string{"key_custody": {""}}, "c-custody", "who holds the keys"},
		{"an unknown subdivision", map[string][]string{"home_subdivision": {"FR-IDF"}}, "c-subdivision", "FR-IDF"},
	}
	// Every field left empty is named at once, each next to its field.
	admin.get("/admin/customers").post("/admin/customers", form(map[string][]string{"name": {""}, "kind": {""}, "key_custody": {""}}))
	admin.want(http.StatusBadRequest, "", "3 fields to fill in", "choose the kind of customer", "choose who holds the keys")
	if n := strings.Count(admin.page, `class="field-error"`); n != 3 {
		t.Fatalf("%d field messages, want 3", n)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			admin.get("/admin/customers").post("/admin/customers", form(c.changes)).want(http.StatusBadRequest, "")
			at := strings.Index(admin.page, `id="`+c.field+`"`)
			msg := strings.Index(admin.page[max(at, 0):], `class="field-error"`)
			if at < 0 || msg < 0 || !strings.Contains(admin.page[at+msg:], c.message) || strings.Count(admin.page, `class="field-error"`) != 1 {
				t.Fatalf("the message %q is not shown next to %s:\n%s", c.message, c.field, visibleText(admin.page))
			}
			if c.field != "c-name" && !strings.Contains(admin.page, `value="Gemeinde Musterstadt"`) {
				t.Fatal("what was typed is lost")
			}
		})
	}
	admin.get("/admin/customers").post("/admin/customers", form(nil)).want(http.StatusOK, "/admin/customers", "Gemeinde Musterstadt was registered with 2 data locations")
	page, err := s.Store.Customers(context.Background(), s.Admin, writ.CustomerFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got *writ.Customer
	for i := range page.Items {
		if page.Items[i].Name == "Gemeinde Musterstadt" {
			got = &page.Items[i]
		}
	}
	if got == nil || got.KeyCustody != "customer_held" || got.HomeSubdivision != "DE-BY" || len(got.DataLocations) != 2 ||
		got.DataLocations[1] != (writ.DataLocation{Region: "eu-west-1", Country: "IE"}) || len(got.Accounts) != 2 {
		t.Fatalf("registered %+v", got)
	}

	// Only an admin registers; the rest of the legal team and auditors read.
	for _, a := range []writ.Actor{s.Reviewer, s.Auditor} {
		b := s.browser(t).signIn(a)
		b.get("/admin/customers").want(http.StatusOK, "", "Gemeinde Musterstadt")
		if strings.Contains(b.page, `id="customer-form"`) {
			t.Fatalf("%s is offered the form to register customers", a.Role)
		}
		f := form(nil)
		f.Set("name", "By "+string(a.Role))
		b.post("/admin/customers", f).want(http.StatusForbidden, "", "EFORBIDDEN")
	}
	for _, a := range []writ.Actor{s.AgencyUserUS, s.CustomerUserEnterprise} {
		s.browser(t).signIn(a).get("/admin/customers").want(http.StatusForbidden, "", "EFORBIDDEN")
	}
}

// The rulebook page shows the version in force and each change it made,
// with the sections it cites; agencies and customers cannot open it.
func TestAdminShowsTheRulebooksChanges(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	for _, a := range []writ.Actor{s.Admin, s.Reviewer, s.Auditor} {
		b := s.browser(t).signIn(a)
		b.get("/admin").want(http.StatusOK, "", `href="/admin/rulebook"`)
		b.get("/admin/rulebook").want(http.StatusOK, "/admin/rulebook", "What v2 changed since v1", "National-security exception", "(§4)",
			"Verified emergencies that collide with foreign law")
		if n := strings.Count(b.page, "<li><strong>"); n != 27 {
			t.Fatalf("the rulebook page lists %d changes, want 27", n)
		}
	}
	for _, a := range []writ.Actor{s.AgencyUserUS, s.CustomerUserConsumer} {
		s.browser(t).signIn(a).get("/admin/rulebook").want(http.StatusForbidden, "", "EFORBIDDEN")
	}
}

// An admin adds a region to a customer and retires one from the registry;
// the last region cannot be retired, and the refusal is shown at the
// customer; nobody else may change them.
func TestAdminChangesDataLocations(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	path := "/admin/customers/" + itoa(s.Consumer.ID) + "/data-locations"
	admin := s.browser(t).signIn(s.Admin)
	admin.get("/admin/customers").post(path, url.Values{"region": {"us-west-2"}, "country": {"us"}})
	admin.want(http.StatusOK, "/admin/customers", "us-west-2 (US) was added to Consumers US", "us-east-1 (US), us-west-2 (US)")
	admin.get("/admin/customers").post(path, url.Values{"region": {"eu-west-3"}, "country": {"XX"}})
	admin.want(http.StatusBadRequest, "", "unknown country code")
	if !strings.Contains(admin.page, `id="locations-`+itoa(s.Consumer.ID)+`" open`) {
		t.Fatal("the refusal is not shown at the customer")
	}
	admin.get("/admin/customers").post(path, url.Values{"retire": {"us-east-1"}}).want(http.StatusOK, "/admin/customers", "us-east-1 of Consumers US was retired")
	admin.get("/admin/customers").post(path, url.Values{"retire": {"us-west-2"}}).want(http.StatusBadRequest, "", "at least one data location is required")
	c, err := s.Store.Customer(context.Background(), s.Admin, s.Consumer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.DataLocations) != 1 || c.DataLocations[0] != (writ.DataLocation{Region: "us-west-2", Country: "US"}) {
		t.Fatalf("data locations %v", c.DataLocations)
	}
	reviewer := s.browser(t).signIn(s.Reviewer)
	if reviewer.get("/admin/customers"); strings.Contains(reviewer.page, "Add or retire a region") {
		t.Fatal("a reviewer is offered to change data locations")
	}
	reviewer.post(path, url.Values{"retire": {"us-west-2"}}).want(http.StatusForbidden, "", "EFORBIDDEN")
}
