package web

import (
	"net/http"

	"writ"
)

// homeData is the legal team's home: each view of the queue with its
// count and first few demands, and the agencies' names.
type homeData struct {
	Home       writ.Home
	AgencyName map[int64]string
}

// legalHome is where a member of the legal team starts the day: what is
// urgent, late, due, new, theirs and waiting for them, each count a link
// to the queue filtered to it.
func (s *Server) legalHome(w http.ResponseWriter, r *http.Request, v *visit) error {
	home, err := s.store.Home(r.Context(), v.actor)
	if err != nil {
		return err
	}
	agencies, err := s.store.Agencies(r.Context(), v.actor, writ.AgencyFilter{Limit: 500})
	if err != nil {
		return err
	}
	d := homeData{Home: home, AgencyName: map[int64]string{}}
	for _, a := range agencies.Items {
		d.AgencyName[a.ID] = a.Name
	}
	return s.render(w, v, http.StatusOK, "home", "Today", d)
}
