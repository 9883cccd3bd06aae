package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"writ"
	"writ/identity"
	"writ/store"
)

// adminData is the admin overview: the rulebook in force and counts.
type adminData struct {
	Rulebook  string
	Users     int
	Agencies  int
	Customers int
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request, v *visit) error {
	users, err := s.identity.Users(r.Context(), v.actor)
	if err != nil {
		return err
	}
	ag, err := s.store.Agencies(r.Context(), v.actor, writ.AgencyFilter{Limit: 500})
	if err != nil {
		return err
	}
	cu, err := s.store.Customers(r.Context(), v.actor, writ.CustomerFilter{Limit: 500})
	if err != nil {
		return err
	}
	return s.render(w, v, http.StatusOK, "admin", "Administration",
		adminData{Rulebook: s.store.Rules().Version(), Users: len(users), Agencies: len(ag.Items), Customers: len(cu.Items)})
}

// usersData is the list of users with the forms to create, confirm and
// give passwords to them.
type usersData struct {
	Users        []store.Account
	Agencies     map[int64]string
	Customers    map[int64]string
	AgencyList   []writ.Agency
	CustomerList []writ.Customer
	Roles        []writ.Role
	Values       url.Values
	Form         string
	Error        *failure
	// Requests are the tokens other admins asked for, waiting for a
	// second admin (admins only); Issued is a token just confirmed, shown
	// this once.
	Requests []writ.TokenRequest
	Issued   *writ.NewToken
}

// Value is what was typed into a field of the refused form.
func (d usersData) Value(name string) string { return d.Values.Get(name) }

func (s *Server) users(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.showUsers(w, r, v, http.StatusOK, "", nil)
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, v *visit, status int, form string, refusal error) error {
	return s.showUsersWith(w, r, v, status, usersData{Form: form}, refusal)
}

// showUsersWith renders the users page with d's form, refusal or issued
// token.
func (s *Server) showUsersWith(w http.ResponseWriter, r *http.Request, v *visit, status int, d usersData, refusal error) error {
	list, err := s.identity.Users(r.Context(), v.actor)
	if err != nil {
		return err
	}
	d.Users, d.Agencies, d.Customers, d.Roles, d.Values = list, map[int64]string{}, map[int64]string{}, writ.Roles(), r.PostForm
	if v.actor.Role == writ.RoleAdmin {
		if d.Requests, err = s.identity.TokenRequests(r.Context(), v.actor); err != nil {
			return err
		}
	}
	ag, err := s.store.Agencies(r.Context(), v.actor, writ.AgencyFilter{Limit: 500})
	if err != nil {
		return err
	}
	cu, err := s.store.Customers(r.Context(), v.actor, writ.CustomerFilter{Limit: 500})
	if err != nil {
		return err
	}
	d.AgencyList, d.CustomerList = ag.Items, cu.Items
	for _, a := range ag.Items {
		d.Agencies[a.ID] = a.Name
	}
	for _, c := range cu.Items {
		d.Customers[c.ID] = c.Name
	}
	if refusal != nil {
		f := failureOf(refusal)
		d.Error = &f
	}
	return s.render(w, v, status, "users", "Users", d)
}

// optionalID reads an id field that may be empty.
func optionalID(f url.Values, name string) (*int64, error) {
	t := strings.TrimSpace(f.Get(name))
	if t == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return nil, writ.FieldErrorf(name, "not an id: %q", t)
	}
	return &id, nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	in := identity.UserInput{Name: f.Get("name"), Email: f.Get("email"), Role: writ.Role(f.Get("role"))}
	var err error
	if in.Role == writ.RoleAgency {
		in.AgencyID, err = optionalID(f, "agency_id")
	}
	if err == nil && in.Role == writ.RoleCustomer {
		in.CustomerID, err = optionalID(f, "customer_id")
	}
	password := f.Get("password")
	if err == nil && password != "" && len(password) < identity.MinPasswordLength {
		err = writ.FieldErrorf("password", "at least %d characters", identity.MinPasswordLength)
	}
	var u writ.User
	if err == nil {
		u, err = s.identity.CreateUser(r.Context(), v.actor, in)
	}
	if err == nil && password != "" {
		err = s.identity.SetPassword(r.Context(), v.actor, u.ID, password)
	}
	if err != nil {
		if refusable(err) {
			return s.showUsers(w, r, v, status(writ.ErrorCode(err)), "create", err)
		}
		return err
	}
	msg := "User " + u.Email + " was created."
	if !u.Active {
		msg += " An agency user signs in once the legal team confirmed the account with the agency."
	}
	if u.Role.SeesAll() {
		msg += " Enrol their second factor with: writ user totp --email " + u.Email
	}
	return s.redirect(w, r, "/admin/users", msg)
}

func userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, writ.Errorf(writ.ENOTFOUND, "there is no user %q", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) confirmUser(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if _, err := s.identity.ConfirmUser(r.Context(), v.actor, id, r.PostFormValue("confirmation")); err != nil {
		if refusable(err) {
			return s.showUsers(w, r, v, status(writ.ErrorCode(err)), "confirm-"+r.PathValue("id"), err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/users", "The account was confirmed.")
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	if err := s.identity.SetPassword(r.Context(), v.actor, id, r.PostFormValue("password")); err != nil {
		if refusable(err) {
			return s.showUsers(w, r, v, status(writ.ErrorCode(err)), "password-"+r.PathValue("id"), err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/users", "The password was set; the user's sessions and API tokens were ended.")
}

func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := s.identity.DeactivateUser(r.Context(), v.actor, id, r.PostFormValue("reason"))
	if err != nil {
		if refusable(err) {
			return s.showUsers(w, r, v, status(writ.ErrorCode(err)), "deactivate-"+r.PathValue("id"), err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/users", u.Email+" was deactivated: their sessions and API tokens were ended.")
}

// confirmTokenRequest issues a token another admin asked for and shows it
// this once, on the page (never in a cookie or a redirect).
func (s *Server) confirmTokenRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "there is no token request %q", r.PathValue("id"))
	}
	t, err := s.identity.ConfirmTokenRequest(r.Context(), v.actor, id)
	if err != nil {
		if refusable(err) {
			return s.showUsers(w, r, v, status(writ.ErrorCode(err)), "request-"+r.PathValue("id"), err)
		}
		return err
	}
	return s.showUsersWith(w, r, v, http.StatusOK, usersData{Issued: &t}, nil)
}

// agenciesData is the registry of agencies with the form to register one.
type agenciesData struct {
	Agencies []writ.Agency
	Kinds    []string
	Values   url.Values
	Error    *failure
}

// Value is what was typed into a field of the refused form.
func (d agenciesData) Value(name string) string { return d.Values.Get(name) }

func (s *Server) agencies(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.showAgencies(w, r, v, http.StatusOK, nil)
}

func (s *Server) showAgencies(w http.ResponseWriter, r *http.Request, v *visit, status int, refusal error) error {
	page, err := s.store.Agencies(r.Context(), v.actor, writ.AgencyFilter{Limit: 500})
	if err != nil {
		return err
	}
	d := agenciesData{Agencies: page.Items, Kinds: writ.AgencyKinds(), Values: r.PostForm}
	if refusal != nil {
		f := failureOf(refusal)
		d.Error = &f
	}
	return s.render(w, v, status, "agencies", "Agencies", d)
}

func (s *Server) createAgency(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	in := store.AgencyInput{Name: f.Get("name"), Country: strings.ToUpper(strings.TrimSpace(f.Get("country"))), Kind: f.Get("kind"),
		Phone: strings.TrimSpace(f.Get("phone")), Verified: f.Get("verified") == "on", Verification: strings.TrimSpace(f.Get("verification"))}
	in.Domains = strings.FieldsFunc(f.Get("domains"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
	if _, err := s.store.CreateAgency(r.Context(), v.actor, in); err != nil {
		if refusable(err) {
			return s.showAgencies(w, r, v, status(writ.ErrorCode(err)), err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/agencies", "The agency "+in.Name+" was registered.")
}

func (s *Server) verifyAgency(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "there is no agency %q", r.PathValue("id"))
	}
	a, err := s.store.VerifyAgency(r.Context(), v.actor, id, r.PostFormValue("verification"))
	if err != nil {
		if refusable(err) {
			return s.showAgencies(w, r, v, status(writ.ErrorCode(err)), err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/agencies", "The agency "+a.Name+" is verified.")
}

// customersData is the customer registry page, with the form to register
// one (admins only).
type customersData struct {
	Customers   []writ.Customer
	Custodies   []string
	Unconfirmed int
	CanSet      bool
	Error       *failure
	ErrorFor    int64
	New         customerForm
}

func (s *Server) customers(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.showCustomersWith(w, r, v, http.StatusOK, 0, nil, newCustomerForm(nil, nil))
}

func (s *Server) showCustomers(w http.ResponseWriter, r *http.Request, v *visit, status int, failedFor int64, refusal error) error {
	return s.showCustomersWith(w, r, v, status, failedFor, refusal, newCustomerForm(nil, nil))
}

// showCustomersWith renders the registry with a refusal of a key custody
// (failedFor's) and the form to register a customer as typed.
func (s *Server) showCustomersWith(w http.ResponseWriter, r *http.Request, v *visit, status int, failedFor int64, refusal error, form customerForm) error {
	page, err := s.store.Customers(r.Context(), v.actor, writ.CustomerFilter{Limit: 500})
	if err != nil {
		return err
	}
	d := customersData{Customers: page.Items, Custodies: writ.KeyCustodies(), CanSet: v.actor.Role == writ.RoleAdmin, ErrorFor: failedFor, New: form}
	for _, c := range page.Items {
		if !c.KeyCustodyConfirmed {
			d.Unconfirmed++
		}
	}
	if refusal != nil {
		f := failureOf(refusal)
		d.Error = &f
	}
	return s.render(w, v, status, "customers", "Customers", d)
}

// setKeyCustody records an admin's finding of who holds a customer's keys:
// how a customer migrated from rulebook v1 leaves "key custody unconfirmed".
func (s *Server) setKeyCustody(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "there is no customer %q", r.PathValue("id"))
	}
	c, err := s.store.SetKeyCustody(r.Context(), v.actor, id, r.PostFormValue("key_custody"))
	if err != nil {
		if refusable(err) {
			return s.showCustomers(w, r, v, status(writ.ErrorCode(err)), id, err)
		}
		return err
	}
	return s.redirect(w, r, "/admin/customers", "The key custody of "+c.Name+" is confirmed as "+custodyWords(c.KeyCustody)+"; its open demands were assessed again.")
}

// custodyWords names a key custody for a sentence.
func custodyWords(code string) string {
	switch code {
	case "provider_managed":
		return "keys managed by the provider"
	case "customer_managed":
		return "customer-managed keys the provider's services use (content accessible)"
	case "customer_held":
		return "keys held by the customer alone (content not accessible)"
	}
	return code
}
