package httpapi

import (
	"net/http"
	"strconv"

	"writ/httpapi/jsonbody"

	"writ"
)

// maxMessageBody is the largest message the API reads: its JSON, with the
// attachments in base64, as large as one document.
const maxMessageBody = writ.MaxDocumentSize

// listMessages lists a thread of a demand.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	msgs, err := s.store.Messages(r.Context(), actorOf(r), id, r.PathValue("thread"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.Message]{Items: msgs})
	return nil
}

// postMessage posts a message on a thread of a demand.
func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	body, err := readBodyUpTo(w, r, maxMessageBody)
	if err != nil {
		return err
	}
	var in writ.MessageInput
	if err := jsonbody.Decode(body, &in); err != nil {
		return err
	}
	thread := r.PathValue("thread")
	m, err := s.store.PostMessage(r.Context(), actorOf(r), id, thread, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/demands/"+strconv.FormatInt(id, 10)+"/messages/"+thread)
	writeJSON(w, http.StatusCreated, m)
	return nil
}
