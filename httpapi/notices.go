package httpapi

import (
	"net/http"
	"strconv"

	"writ"
	"writ/store"
)

// listNotices is the legal team's dashboard of notices, e.g. every delayed
// notice with its end date and the challenge its order calls for.
func (s *Server) listNotices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "state", "cursor", "limit"); err != nil {
		return err
	}
	limit, err := queryInt(q, "limit")
	if err != nil {
		return err
	}
	page, err := s.store.Notices(r.Context(), actorOf(r), writ.NoticeFilter{State: q.Get("state"), Cursor: q.Get("cursor"), Limit: int(limit)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) getNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.store.Notice(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) listResponses(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.store.Responses(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.CustomerResponse]{Items: list})
	return nil
}

// createResponse records the customer's answer: acknowledge, object (with
// grounds) or will_answer_agency.
func (s *Server) createResponse(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in writ.CustomerResponseInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	resp, err := s.store.Respond(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/demands/"+strconv.FormatInt(id, 10)+"/responses")
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

func (s *Server) decideObjection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	response, err := pathID(r, "response")
	if err != nil {
		return err
	}
	var in writ.ObjectionDecisionInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	resp, err := s.store.DecideObjection(r.Context(), actorOf(r), id, response, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) listAuthorityNotifications(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.store.AuthorityNotifications(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.AuthorityNotification]{Items: list})
	return nil
}

func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.store.DemandJobs(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[store.JobRecord]{Items: list})
	return nil
}

func (s *Server) updateNoticeChannels(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in store.NoticeChannels
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.store.UpdateNoticeChannels(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
