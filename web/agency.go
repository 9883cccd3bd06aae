package web

import (
	"net/http"

	"writ"
)

// agencyHomeData is the agency's list of its own demands.
type agencyHomeData struct {
	Agency  writ.Agency
	Demands []writ.Demand
	NextURL string
	// Languages are those in which the provider accepts European order
	// certificates, for an authority abroad.
	Languages []string
}

func (s *Server) agencyHome(w http.ResponseWriter, r *http.Request, v *visit) error {
	ag, err := s.store.Agency(r.Context(), v.actor, v.actor.AgencyID)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := s.store.Demands(r.Context(), v.actor, writ.DemandFilter{Cursor: cursor, Limit: 50})
	if err != nil {
		return err
	}
	d := agencyHomeData{Agency: ag, Demands: page.Items}
	if ag.Country != s.store.Rules().HomeCountry() {
		d.Languages = s.languages
	}
	if page.NextCursor != "" {
		d.NextURL = "/agency?cursor=" + urlQuery(page.NextCursor)
	}
	return s.render(w, v, http.StatusOK, "agency", "Your demands", d)
}
