package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"writ"
	"writ/i18n"
	"writ/store"
)

// locationRows is how many data locations the form to register a customer
// offers; rows left empty are ignored.
const locationRows = 4

// customerForm is the form to register a customer, as typed, with the
// field the refusal names.
type customerForm struct {
	Values    url.Values
	Kinds     []string
	Languages []string
	Rows      []int
	Error     *failure
	// Fields are the fields missing from the form, each with its message,
	// all named at once before the store is asked.
	Fields map[string]string
}

// Value is what was typed into a field of the refused form.
func (f customerForm) Value(name string) string { return f.Values.Get(name) }

// Row is what was typed into a field of the nth data location.
func (f customerForm) Row(name string, n int) string {
	if vs := f.Values[name]; n < len(vs) {
		return vs[n]
	}
	return ""
}

// FieldError is the refusal's message when it names the field, else "".
func (f customerForm) FieldError(field string) string {
	if m := f.Fields[field]; m != "" {
		return m
	}
	if f.Error != nil && f.Error.Field == field {
		return f.Error.Message
	}
	return ""
}

// LocationError is the refusal's message for the nth data location row,
// or for the list as a whole on the first row.
func (f customerForm) LocationError(n int) string {
	if n == 0 && f.Fields["data_locations"] != "" {
		return f.Fields["data_locations"]
	}
	if f.Error == nil {
		return ""
	}
	row := "data_locations[" + strconv.Itoa(n) + "]"
	if strings.HasPrefix(f.Error.Field, row+".") || (n == 0 && f.Error.Field == "data_locations") {
		return f.Error.Message
	}
	return ""
}

func newCustomerForm(values url.Values, refusal error) customerForm {
	f := customerForm{Values: values, Kinds: writ.CustomerKinds(), Languages: i18n.Languages()}
	for i := range locationRows {
		f.Rows = append(f.Rows, i)
	}
	if refusal != nil {
		e := failureOf(refusal)
		f.Error = &e
	}
	return f
}

// customerInput reads the form to register a customer; rows of data
// locations left empty are skipped.
func customerInput(f url.Values) store.CustomerInput {
	in := store.CustomerInput{Name: f.Get("name"), Kind: f.Get("kind"), HomeCountry: strings.ToUpper(strings.TrimSpace(f.Get("home_country"))),
		HomeSubdivision: f.Get("home_subdivision"), LegalContact: f.Get("legal_contact"), KeyCustody: f.Get("key_custody"),
		NoticeEmail: strings.TrimSpace(f.Get("notice_email")), Language: f.Get("language"), DataLocations: []writ.DataLocation{}}
	switch f.Get("us_person") {
	case "yes", "no":
		v := f.Get("us_person") == "yes"
		in.USPerson = &v
	}
	regions, countries := f["region"], f["country"]
	for i := range min(len(regions), len(countries)) {
		region, country := strings.TrimSpace(regions[i]), strings.ToUpper(strings.TrimSpace(countries[i]))
		if region == "" && country == "" {
			continue
		}
		in.DataLocations = append(in.DataLocations, writ.DataLocation{Region: region, Country: country})
	}
	in.Accounts = strings.FieldsFunc(f.Get("accounts"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
	return in
}

// missingCustomerFields names every field of the form left empty that a
// customer needs; the store checks what was typed.
func missingCustomerFields(in store.CustomerInput) map[string]string {
	missing := map[string]string{}
	if strings.TrimSpace(in.Name) == "" {
		missing["name"] = "the customer's name is required"
	}
	if in.Kind == "" {
		missing["kind"] = "choose the kind of customer"
	}
	if in.HomeCountry == "" {
		missing["home_country"] = "the country of its seat or residence is required"
	}
	if in.KeyCustody == "" {
		missing["key_custody"] = "choose who holds the keys to its content"
	}
	if len(in.DataLocations) == 0 {
		missing["data_locations"] = "name at least one region where its data is stored, with its country"
	}
	return missing
}

// createCustomer registers a customer with its data locations and key
// custody, as POST /v1/customers does; a refusal is shown next to the
// field it names, with what was typed.
func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := customerInput(r.PostForm)
	if missing := missingCustomerFields(in); len(missing) > 0 {
		f := newCustomerForm(r.PostForm, nil)
		f.Error, f.Fields = &failure{Code: writ.EINVALID, Message: fmt.Sprintf("%d %s to fill in", len(missing), plural(len(missing), "field", "fields"))}, missing
		return s.showCustomersWith(w, r, v, http.StatusBadRequest, 0, nil, f)
	}
	c, err := s.store.CreateCustomer(r.Context(), v.actor, in)
	if err != nil {
		if refusable(err) {
			// The locations shown again are those read, in order, so
			// that data_locations[i] names the row it is shown on.
			typed := maps.Clone(r.PostForm)
			typed["region"], typed["country"] = nil, nil
			for _, l := range in.DataLocations {
				typed["region"], typed["country"] = append(typed["region"], l.Region), append(typed["country"], l.Country)
			}
			return s.showCustomersWith(w, r, v, status(writ.ErrorCode(err)), 0, nil, newCustomerForm(typed, err))
		}
		return err
	}
	return s.redirect(w, r, "/admin/customers", "The customer "+c.Name+" was registered with "+strconv.Itoa(len(c.DataLocations))+" data "+plural(len(c.DataLocations), "location", "locations")+".")
}

// changeDataLocations adds a region to a customer's data locations, or
// retires one, through the store's replacement of the list, which
// reassesses the customer's open demands; a refusal (the last location,
// a region named twice, an unknown country) is shown at the customer.
func (s *Server) changeDataLocations(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "there is no customer %q", r.PathValue("id"))
	}
	c, err := s.store.Customer(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	locations, msg := slices.Clone(c.DataLocations), ""
	if retire := r.PostFormValue("retire"); retire != "" {
		locations = slices.DeleteFunc(locations, func(l writ.DataLocation) bool { return l.Region == retire })
		msg = "The region " + retire + " of " + c.Name + " was retired"
	} else {
		l := writ.DataLocation{Region: strings.TrimSpace(r.PostFormValue("region")), Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country")))}
		locations = append(locations, l)
		msg = "The region " + l.Region + " (" + l.Country + ") was added to " + c.Name
	}
	if _, err := s.store.SetDataLocations(r.Context(), v.actor, id, locations); err != nil {
		if refusable(err) {
			return s.showCustomers(w, r, v, status(writ.ErrorCode(err)), id, err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/customers", msg+"; its open demands were assessed again.")
}
