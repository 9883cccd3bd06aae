package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"writ"
)

// maxBulk is how many demands one bulk action takes.
const maxBulk = 200

// bulkData is the report of a bulk action: which demands it changed and
// which it could not, and why.
type bulkData struct {
	Action  string
	Results []writ.BulkResult
	Done    int
	Back    string
}

// bulk assigns the demands ticked in the queue to one person, or closes
// them as no data, with one rationale. Each demand goes through the store
// as a single change would — the same transition checks, its own event —
// and the page reports which succeeded and which failed.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, v *visit) error {
	var ids []int64
	for _, raw := range r.PostForm["demand"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return writ.FieldErrorf("demand", "not a demand: %q", raw)
		}
		ids = append(ids, id)
	}
	switch {
	case len(ids) == 0:
		return writ.FieldErrorf("demand", "tick the demands to change first")
	case len(ids) > maxBulk:
		return writ.FieldErrorf("demand", "at most %d demands at once", maxBulk)
	}
	rationale := strings.TrimSpace(r.PostFormValue("rationale"))
	var do func(context.Context, int64) error
	action := r.PostFormValue("action")
	switch action {
	case "assign":
		uid, err := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
		if err != nil || uid <= 0 {
			return writ.FieldErrorf("assignee", "choose who takes the demands")
		}
		do = func(ctx context.Context, id int64) error {
			_, err := s.store.UpdateDemand(ctx, v.actor, id, writ.DemandPatch{AssigneeID: &uid})
			return err
		}
	case "close_no_data":
		if rationale == "" {
			return writ.FieldErrorf("rationale", "give the rationale for closing the demands as no data")
		}
		do = func(ctx context.Context, id int64) error { return s.closeNoData(ctx, v.actor, id, rationale) }
	default:
		return writ.FieldErrorf("action", "choose what to do with the demands")
	}
	d := bulkData{Action: action, Back: "/queue"}
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/queue") {
		d.Back = b
	}
	for _, id := range ids {
		res := writ.BulkResult{DemandID: id}
		if err := do(r.Context(), id); err != nil {
			if writ.ErrorCode(err) == writ.EINTERNAL {
				return err
			}
			f := failureOf(err)
			res.Error = label(f.Code) + ": " + f.Message
		} else {
			d.Done++
		}
		d.Results = append(d.Results, res)
	}
	return s.render(w, v, http.StatusOK, "bulk", fmt.Sprintf("%d of %d demands changed", d.Done, len(ids)), d)
}

// closeNoData answers a demand as no data and closes it: from review to
// no data, then closed, each move checked and recorded as a single move
// would be. A demand already answered as no data is only closed.
func (s *Server) closeNoData(ctx context.Context, actor writ.Actor, id int64, rationale string) error {
	d, err := s.store.Demand(ctx, actor, id)
	if err != nil {
		return err
	}
	if d.State != writ.StateNoData {
		if _, err := s.store.Transition(ctx, actor, id, writ.TransitionInput{To: writ.StateNoData, Rationale: rationale}); err != nil {
			return err
		}
	}
	_, err = s.store.Transition(ctx, actor, id, writ.TransitionInput{To: writ.StateClosed, Rationale: rationale})
	return err
}
