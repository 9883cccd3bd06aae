package httpapi

import (
	"net/http"
	"strconv"

	"writ"
	"writ/httpapi/jsonbody"
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

// deliveryBody is a recorded delivery as it arrives: its time is decoded
// here, so a bad one is reported with its field name.
type deliveryBody struct {
	Method         string  `json:"method"`
	Evidence       string  `json:"evidence"`
	DeliveredAt    *string `json:"delivered_at"`
	DocumentSHA256 string  `json:"document_sha256"`
}

// recordDelivery records a delivery of the notice the legal team made
// another way, with its evidence.
func (s *Server) recordDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b deliveryBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	in := writ.DeliveryInput{Method: b.Method, Evidence: b.Evidence, DocumentSHA256: b.DocumentSHA256}
	if in.DeliveredAt, err = jsonbody.Time("delivered_at", b.DeliveredAt); err != nil {
		return err
	}
	n, err := s.store.RecordDelivery(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, n)
	return nil
}

// retryNotice sends a notice that has not reached the customer again.
func (s *Server) retryNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.store.RetryNotice(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

// reviewNondisclosure records the legal team's check, once an order
// ended, of whether it was extended.
func (s *Server) reviewNondisclosure(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in writ.NondisclosureReview
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := s.store.ReviewNondisclosure(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
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
	writeJSON(w, http.StatusOK, writ.Page[writ.Job]{Items: list})
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
