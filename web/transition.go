package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"writ"
)

// refusable reports whether err is a refusal the user can act on, shown
// next to the form, rather than a failure shown on an error page.
func refusable(err error) bool {
	switch writ.ErrorCode(err) {
	case writ.EINVALID, writ.ECONFLICT, writ.EFORBIDDEN, writ.ETOOLARGE, writ.EPRECONDITION:
		return true
	}
	return false
}

// refuse shows the demand page again with the refused form and its reason.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, v *visit, id int64, form string, err error) error {
	f := failureOf(err)
	return s.showDemand(w, r, v, id, status(f.Code), &formState{Name: form, Error: f, Values: r.PostForm})
}

// transitionInput reads a transition form. The fields of one move
// (challenge, disclosure, categories) are read only for that move.
func transitionInput(r *http.Request) (writ.TransitionInput, error) {
	f := r.PostForm
	in := writ.TransitionInput{To: writ.State(f.Get("to")), Rationale: strings.TrimSpace(f.Get("rationale")),
		Withdrawn: f.Get("withdrawn") == "on", ChallengeOutcome: f.Get("challenge_outcome")}
	switch in.To {
	case writ.StateApproved:
		if f.Get("narrow") == "on" {
			in.Categories = f["categories"]
			if in.Categories == nil {
				in.Categories = []string{}
			}
		}
	case writ.StateChallenged:
		in.Challenge = &writ.ChallengeInput{Grounds: strings.TrimSpace(f.Get("grounds")), Forum: strings.TrimSpace(f.Get("forum")),
			SharedGrounds: strings.TrimSpace(f.Get("shared_grounds"))}
		if d := f.Get("deadline"); d != "" {
			in.Challenge.Deadline = d + "T23:59:59Z"
		}
	}
	return in, nil
}

func (s *Server) transition(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	in, err := transitionInput(r)
	form := "transition-" + string(in.To)
	if in.Withdrawn {
		form = "withdraw"
	}
	if err == nil {
		_, err = s.store.Transition(r.Context(), v.actor, id, in)
	}
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, form, err)
		}
		return err
	}
	msg := fmt.Sprintf("Demand %d is now %s.", id, label(string(in.To)))
	if in.Withdrawn {
		msg = flashOf("flash.withdrawn", strconv.FormatInt(id, 10))
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), msg)
}
