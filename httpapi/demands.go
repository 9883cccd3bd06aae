package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"writ/httpapi/jsonbody"

	"writ"
)

func (s *Server) createDemand(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	in, err := jsonbody.DecodeDemand(body)
	if err != nil {
		return err
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return writ.FieldErrorf("Idempotency-Key", "at most 200 characters")
	}
	d, replayed, err := s.store.CreateDemand(r.Context(), actorOf(r), in, key)
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/demands/"+strconv.FormatInt(d.ID, 10))
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) getDemand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.store.Demand(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(d))
	writeJSON(w, http.StatusOK, d)
	return nil
}

// patchBody is a change to a demand as it arrives.
type patchBody struct {
	Reference              *string             `json:"reference"`
	AssigneeID             *int64              `json:"assignee_id"`
	RequesterVerified      *bool               `json:"requester_verified"`
	Due                    *string             `json:"due"`
	Nondisclosure          *writ.Nondisclosure `json:"nondisclosure"`
	ClearNondisclosure     bool                `json:"clear_nondisclosure"`
	CustomerFirstException *string             `json:"customer_first_exception"`
	SubjectLocation        *string             `json:"subject_location"`
	SubjectResidence       *string             `json:"subject_residence"`
	SubjectUSPerson        *bool               `json:"subject_us_person"`
	ClearSubjectUSPerson   bool                `json:"clear_subject_us_person"`
	DataLocationsSought    *[]string           `json:"data_locations_sought"`
	NoticePermitted        *bool               `json:"notice_permitted"`
	DataCategories         *[]string           `json:"data_categories"`
}

func (s *Server) updateDemand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b patchBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	p := writ.DemandPatch{Reference: b.Reference, AssigneeID: b.AssigneeID, RequesterVerified: b.RequesterVerified,
		Nondisclosure: b.Nondisclosure, ClearNondisclosure: b.ClearNondisclosure,
		CustomerFirstException: b.CustomerFirstException, SubjectLocation: b.SubjectLocation, SubjectResidence: b.SubjectResidence,
		SubjectUSPerson: b.SubjectUSPerson, ClearSubjectUSPerson: b.ClearSubjectUSPerson, DataLocationsSought: b.DataLocationsSought,
		NoticePermitted: b.NoticePermitted, DataCategories: b.DataCategories}
	if p.Due, err = jsonbody.Time("due", b.Due); err != nil {
		return err
	}
	p.VersionRequired = true
	if p.Version, err = ifMatch(r); err != nil {
		return err
	}
	d, err := s.store.UpdateDemand(r.Context(), actorOf(r), id, p)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(d))
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) listDemands(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "state", "agency_id", "customer_id", "country", "instrument", "deadline_before", "q", "sort", "cursor", "limit"); err != nil {
		return err
	}
	f := writ.DemandFilter{State: writ.State(q.Get("state")), Country: q.Get("country"), Instrument: q.Get("instrument"),
		Text: q.Get("q"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var err error
	if f.AgencyID, err = queryInt(q, "agency_id"); err != nil {
		return err
	}
	if f.CustomerID, err = queryInt(q, "customer_id"); err != nil {
		return err
	}
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	f.Limit = int(limit)
	if v := q.Get("deadline_before"); v != "" {
		if f.DeadlineBefore, err = jsonbody.Time("deadline_before", &v); err != nil {
			return err
		}
	}
	page, err := s.store.Demands(r.Context(), actorOf(r), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) transitionDemand(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in writ.TransitionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.To == "" {
		return writ.FieldErrorf("to", "required: the state to move the demand to")
	}
	d, err := s.store.Transition(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// listDeadlines gives every deadline of a demand with its status: open,
// met, moot or a "not before" date.
func (s *Server) listDeadlines(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.store.DemandDeadlines(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.DeadlineEntry]{Items: list})
	return nil
}

// alerts is what needs the legal team's attention now.
func (s *Server) alerts(w http.ResponseWriter, r *http.Request) error {
	a, err := s.store.Alerts(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) getAssessment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	body, err := s.store.Assessment(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := onlyParams(q, "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	page, err := s.store.DemandEvents(r.Context(), actorOf(r), id, q.Get("cursor"), int(limit))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// onlyParams refuses query parameters the operation does not know, so a
// misspelt filter is not silently ignored.
func onlyParams(q url.Values, known ...string) error {
	for name := range q {
		ok := false
		for _, k := range known {
			ok = ok || name == k
		}
		if !ok {
			return writ.FieldErrorf(name, "unknown query parameter")
		}
	}
	return nil
}

// queryInt reads an optional non-negative integer query parameter.
func queryInt(q url.Values, name string) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, writ.FieldErrorf(name, "not a non-negative integer: %q", v)
	}
	return n, nil
}

// etag is a demand's entity tag: its version, which every change raises.
func etag(d writ.Demand) string { return `"` + strconv.FormatInt(d.Version, 10) + `"` }

// ifMatch reads the version a change is for from If-Match (one strong
// entity tag as etag gives it), or nil when the header is absent.
func ifMatch(r *http.Request) (*int64, error) {
	h := r.Header.Get("If-Match")
	if h == "" {
		return nil, nil
	}
	if inner, ok := strings.CutPrefix(h, `"`); ok && strings.HasSuffix(inner, `"`) {
		inner = strings.TrimSuffix(inner, `"`)
		if v, err := strconv.ParseInt(inner, 10, 64); err == nil && v >= 0 {
			return &v, nil
		}
	}
	return nil, writ.FieldErrorf("If-Match", "must be one ETag of the demand as GET /v1/demands/{id} gives it, such as \"3\"")
}
