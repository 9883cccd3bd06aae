package httpapi

import (
	"net/http"
	"strconv"

	"writ"
	"writ/identity"
	"writ/store"
)

func (s *Server) listAgencies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "country", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	page, err := s.store.Agencies(r.Context(), actorOf(r), writ.AgencyFilter{Country: q.Get("country"), Cursor: q.Get("cursor"), Limit: int(limit)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) createAgency(w http.ResponseWriter, r *http.Request) error {
	var in store.AgencyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.store.CreateAgency(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/agencies/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAgency(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.store.Agency(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	page, err := s.store.Customers(r.Context(), actorOf(r), writ.CustomerFilter{Cursor: q.Get("cursor"), Limit: int(limit)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	var in store.CustomerInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.store.CreateCustomer(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/customers/"+strconv.FormatInt(c.ID, 10))
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.store.Customer(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// keyCustodyBody is an admin's finding of who holds a customer's keys.
type keyCustodyBody struct {
	KeyCustody string `json:"key_custody"`
}

func (s *Server) setKeyCustody(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b keyCustodyBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	c, err := s.store.SetKeyCustody(r.Context(), actorOf(r), id, b.KeyCustody)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

type dataLocationsBody struct {
	DataLocations []writ.DataLocation `json:"data_locations"`
}

func (s *Server) setDataLocations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b dataLocationsBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	c, err := s.store.SetDataLocations(r.Context(), actorOf(r), id, b.DataLocations)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in identity.UserInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.identity.CreateUser(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

// meResponse tells callers who they are.
type meResponse struct {
	UserID     int64     `json:"user_id"`
	Name       string    `json:"name"`
	Role       writ.Role `json:"role"`
	AgencyID   *int64    `json:"agency_id"`
	CustomerID *int64    `json:"customer_id"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	resp := meResponse{UserID: a.UserID, Name: a.Name, Role: a.Role}
	if a.AgencyID != 0 {
		resp.AgencyID = &a.AgencyID
	}
	if a.CustomerID != 0 {
		resp.CustomerID = &a.CustomerID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// healthResponse reports whether the server can reach its database.
type healthResponse struct {
	Status   string `json:"status"`
	Rulebook string `json:"rulebook"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, healthResponse{Status: "ok", Rulebook: s.rules.Version()})
	return nil
}

// confirmationBody says how an agency user's account was confirmed.
type confirmationBody struct {
	Confirmation string `json:"confirmation"`
}

// confirmUser activates an agency user after out-of-band confirmation.
func (s *Server) confirmUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in confirmationBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	u, err := s.identity.ConfirmUser(r.Context(), actorOf(r), id, in.Confirmation)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// verificationBody says how an agency was verified.
type verificationBody struct {
	Verification string `json:"verification"`
}

// verifyAgency records an admin's out-of-band verification of an agency.
func (s *Server) verifyAgency(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in verificationBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.store.VerifyAgency(r.Context(), actorOf(r), id, in.Verification)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}
