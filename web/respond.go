package web

import (
	"fmt"
	"net/http"

	"writ"
)

// respond records the customer's answer to a demand it was told of.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	in := writ.CustomerResponseInput{Kind: r.PostFormValue("kind"), Grounds: r.PostFormValue("grounds")}
	if _, err := s.store.Respond(r.Context(), v.actor, id, in); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "respond", err)
		}
		return err
	}
	msg := map[string]string{
		writ.ResponseAcknowledge:      "flash.acknowledge",
		writ.ResponseObject:           "flash.object",
		writ.ResponseWillAnswerAgency: "flash.will_answer_agency",
	}[in.Kind]
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), msg)
}
