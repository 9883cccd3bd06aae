package web_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
)

// The pages take rulebook v2's facts: the agency states where the person
// is, whether a US person, the regions sought and that an EU order's issuer
// permits notice; the legal team reads them on the demand; and an admin
// confirms or reclassifies a customer's key custody in the registry, which
// reassesses the customer's open demands.
func TestRulebookV2FactsInThePages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()

	agency := s.browser(t).signIn(s.AgencyUserDE)
	agency.postFile("/agency/demands", url.Values{
		"key": {"v2"}, "reference": {"EPOC-7"}, "instrument": {"eu_epoc"}, "issued_by": {"prosecutor"}, "validated_by": {"judge"},
		"data_categories": {"traffic"}, "accounts": {"anna@beispiel.example"}, "offence_max_years": {"5"},
		"subject_residence": {"de"}, "subject_location": {"FR"}, "subject_us_person": {"no"},
		"data_locations_sought": {"ie de"}, "notice_permitted": {"on"},
	}, "document", "order.pdf", warrantPDF)
	agency.want(200, "", "was received", "EPOC-7", "Germany (DE)", "France (FR)", "Ireland (IE), Germany (DE)", "permitted by the issuing authority")
	id := agency.idOf()
	d, err := s.Store.Demand(ctx, s.Reviewer, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.SubjectLocation != "FR" || d.SubjectResidence != "DE" || d.SubjectUSPerson == nil || *d.SubjectUSPerson ||
		len(d.DataLocationsSought) != 2 || !d.NoticePermitted {
		t.Fatalf("stored facts: %+v", d)
	}
	reviewer := s.browser(t).signIn(s.Reviewer)
	reviewer.get(demandPath(id)).want(200, "", "Person is now in", "France (FR)", "rulebook v2")

	// A bad answer is refused naming its field, and nothing is stored.
	agency.postFile("/agency/demands", url.Values{
		"key": {"v2b"}, "instrument": {"eu_epoc"}, "issued_by": {"judge"}, "data_categories": {"subscriber"},
		"accounts": {"anna@beispiel.example"}, "subject_location": {"XX"},
	}, "document", "order.pdf", warrantPDF)
	agency.want(400, "", "subject_location", "unknown country code")

	// The registry: an admin reclassifies the enterprise customer's keys.
	admin := s.browser(t).signIn(s.Admin)
	admin.get("/admin/customers").want(200, "/admin/customers", "Customer held", "Beispiel AG")
	admin.post(fmt.Sprintf("/admin/customers/%d/key-custody", s.Enterprise.ID), url.Values{"key_custody": {"customer_held"}})
	admin.want(200, "/admin/customers", "keys held by the customer alone")
	c, err := s.Store.Customer(ctx, s.Admin, s.Enterprise.ID)
	if err != nil || c.KeyCustody != "customer_held" || !c.KeyCustodyConfirmed {
		t.Fatalf("customer %+v (%v)", c, err)
	}
	// A reviewer may read the registry but not change it.
	reviewer.get("/admin/customers").want(200, "/admin/customers", "Beispiel AG")
	reviewer.post(fmt.Sprintf("/admin/customers/%d/key-custody", s.Enterprise.ID), url.Values{"key_custody": {"provider_managed"}})
	reviewer.want(403, "", "")
	if c, _ := s.Store.Customer(ctx, s.Admin, s.Enterprise.ID); c.KeyCustody != "customer_held" {
		t.Fatalf("a reviewer changed the custody to %s", c.KeyCustody)
	}
	events, err := s.Store.DemandEvents(ctx, s.Auditor, id, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events.Items {
		found = found || e.Kind == "demand.reassessed"
	}
	if !found {
		t.Error("the customer's open demand was not assessed again when its custody changed")
	}
}
