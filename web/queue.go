package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"writ"
	"writ/rules"
)

// queueData is the legal team's queue: the filter as given, the choices
// of each filter, and one page of demands.
type queueData struct {
	Filter      queueFilter
	States      []writ.State
	Instruments []string
	Countries   []string
	Agencies    []writ.Agency
	AgencyName  map[int64]string
	Flags       []string
	Demands     []writ.Demand
	NextURL     string
	// Views are the home's views; Saved the user's own filters; Workload
	// the legal team, for assigning the ticked demands.
	Views    []string
	Saved    []writ.SavedFilter
	Workload []writ.Workload
	// Query is the filter as a query string, to save it or export it.
	Query string
}

// queueFilter is the query string of the queue.
type queueFilter struct {
	State, Country, Instrument, Agency, Flag, View, Search, Sort, Text, Cursor string
}

// URL is the queue with this filter and another sort order.
func (f queueFilter) SortURL(sort string) string {
	f.Sort, f.Cursor = sort, ""
	return "/queue?" + f.values().Encode()
}

func (f queueFilter) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "country": f.Country, "instrument": f.Instrument,
		"agency": f.Agency, "flag": f.Flag, "view": f.View, "search": f.Search, "sort": f.Sort, "q": f.Text, "cursor": f.Cursor} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func allFlags() []string {
	return []string{rules.FlagEmergency, rules.FlagNationalSecurity, rules.FlagIndefiniteNDO, rules.FlagNDOOverOneYear,
		rules.FlagContentTechnicallyUnavailable, rules.FlagCrossBorder}
}

// queueFilterOf reads the queue's filter from the query string, as the
// queue, its export and its saved filters share it.
func queueFilterOf(r *http.Request) (queueFilter, writ.DemandFilter, error) {
	q := r.URL.Query()
	f := queueFilter{State: q.Get("state"), Country: q.Get("country"), Instrument: q.Get("instrument"), Agency: q.Get("agency"),
		Flag: q.Get("flag"), View: q.Get("view"), Search: q.Get("search"), Sort: q.Get("sort"), Text: q.Get("q"), Cursor: q.Get("cursor")}
	if f.Sort == "" {
		f.Sort = "deadline"
	}
	filter := writ.DemandFilter{State: writ.State(f.State), Country: f.Country, Instrument: f.Instrument, Text: f.Text,
		View: f.View, Search: f.Search, Sort: f.Sort, Cursor: f.Cursor, Limit: 50}
	if f.Agency != "" {
		id, err := strconv.ParseInt(f.Agency, 10, 64)
		if err != nil {
			return f, filter, writ.FieldErrorf("agency", "not an agency id: %q", f.Agency)
		}
		filter.AgencyID = id
	}
	if f.Flag != "" {
		if !slices.Contains(allFlags(), f.Flag) {
			return f, filter, writ.FieldErrorf("flag", "unknown flag %q", f.Flag)
		}
		filter.Flag = f.Flag
	}
	return f, filter, nil
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request, v *visit) error {
	f, filter, err := queueFilterOf(r)
	if err != nil {
		return err
	}
	page, err := s.store.Demands(r.Context(), v.actor, filter)
	if err != nil {
		return err
	}
	agencies, err := s.store.Agencies(r.Context(), v.actor, writ.AgencyFilter{Limit: 500})
	if err != nil {
		return err
	}
	d := queueData{Filter: f, States: writ.States(), Instruments: s.store.Rules().Instruments(), Agencies: agencies.Items,
		AgencyName: map[int64]string{}, Flags: allFlags(), Demands: page.Items, Views: writ.Views()}
	noCursor := f
	noCursor.Cursor = ""
	d.Query = noCursor.values().Encode()
	if d.Saved, err = s.store.SavedFilters(r.Context(), v.actor); err != nil {
		return err
	}
	if v.actor.Role.LegalTeam() {
		if d.Workload, err = s.store.Workload(r.Context(), v.actor); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, a := range agencies.Items {
		d.AgencyName[a.ID] = a.Name
		if !seen[a.Country] {
			seen[a.Country] = true
			d.Countries = append(d.Countries, a.Country)
		}
	}
	slices.Sort(d.Countries)
	if page.NextCursor != "" {
		next := f
		next.Cursor = page.NextCursor
		d.NextURL = "/queue?" + next.values().Encode()
	}
	return s.render(w, v, http.StatusOK, "queue", "Queue", d)
}
