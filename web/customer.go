package web

import (
	"net/http"

	"writ"
)

// customerHomeData is the customer's list of the demands it was told of:
// notices and redirects for its tenant.
type customerHomeData struct {
	Customer writ.Customer
	Demands  []writ.Demand
	NextURL  string
}

func (s *Server) customerHome(w http.ResponseWriter, r *http.Request, v *visit) error {
	c, err := s.store.Customer(r.Context(), v.actor, v.actor.CustomerID)
	if err != nil {
		return err
	}
	page, err := s.store.Demands(r.Context(), v.actor, writ.DemandFilter{Cursor: r.URL.Query().Get("cursor"), Limit: 50})
	if err != nil {
		return err
	}
	d := customerHomeData{Customer: c, Demands: page.Items}
	if page.NextCursor != "" {
		d.NextURL = "/customer?cursor=" + urlQuery(page.NextCursor)
	}
	return s.render(w, v, http.StatusOK, "customer", "customer.title", d)
}

// locations shows the tenant's data locations and key custody, which the
// assessment of every demand for its data relies on.
func (s *Server) locations(w http.ResponseWriter, r *http.Request, v *visit) error {
	c, err := s.store.Customer(r.Context(), v.actor, v.actor.CustomerID)
	if err != nil {
		return err
	}
	return s.render(w, v, http.StatusOK, "locations", "locations.title", c)
}
