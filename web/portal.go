package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"writ"
	"writ/eevidence"
	"writ/rules"
)

// portalData is what the demand page shows of the answer to the agency
// and to the customer: the production package, the reasons of the answer,
// who asks and by when the customer must object.
type portalData struct {
	Production *writ.Production
	Reasons    *writ.Reasons
	Overview   *writ.DemandOverview
	// CanProduce: the legal team may make a package available now.
	CanProduce bool
	// CanSign: the signed-in approver may sign the package's certificate
	// of authenticity, which waits for a custodian's signature.
	CanSign bool
	// Annex: the legal team may draft the Annex III form of an EPOC.
	Annex bool
	// Now is the clock, for the countdown to the objection deadline.
	Now time.Time
}

// loadPortal reads the parts of the answer the signed-in role may see.
func (s *Server) loadPortal(ctx context.Context, actor writ.Actor, d *demandData) error {
	p := &d.Portal
	p.Now = s.now()
	id := d.Demand.ID
	if actor.Role.SeesAll() || actor.Role == writ.RoleAgency {
		prod, err := s.store.Production(ctx, actor, id)
		switch {
		case err == nil:
			p.Production = &prod
		case writ.ErrorCode(err) != writ.ENOTFOUND:
			return err
		}
		r, err := s.store.Reasons(ctx, actor, id)
		if err != nil {
			return err
		}
		p.Reasons = &r
	}
	if actor.Role.LegalTeam() {
		st := d.Demand.State
		p.CanProduce = p.Production == nil && (st == writ.StateApproved || st == writ.StateNoticed)
		p.CanSign = actor.Role == writ.RoleApprover && p.Production != nil && p.Production.Certificate != nil && !p.Production.Certificate.Signed
		p.Annex = d.Assessment != nil && eevidence.NeedsAnnex(d.Demand.Instrument, *d.Assessment)
	}
	if actor.Role == writ.RoleCustomer || actor.Role.SeesAll() {
		o, err := s.store.DemandOverview(ctx, actor, id)
		if err != nil {
			return err
		}
		p.Overview = &o
	}
	return nil
}

// produce makes a production package available to the agency: the files
// of the form's "files" field, the scope ticked and typed.
func (s *Server) produce(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	in, err := productionForm(r)
	var p writ.Production
	if err == nil {
		p, err = s.store.Produce(r.Context(), v.actor, id, in)
	}
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "production", err)
		}
		return err
	}
	if p.AvailableAt == nil {
		return s.redirect(w, r, fmt.Sprintf("/demands/%d#certificate", id), "The package is taken. It answers US legal process: an approver signs its certificate of authenticity as custodian, and then the agency may download it.")
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "The production is available to the agency; the demand is now Disclosed.")
}

// productionForm reads the production form.
func productionForm(r *http.Request) (writ.ProductionInput, error) {
	f := r.PostForm
	in := writ.ProductionInput{Rationale: strings.TrimSpace(f.Get("rationale")),
		Scope: writ.ProductionScope{Categories: f["categories"], Accounts: strings.Fields(f.Get("accounts"))}}
	if from, to := f.Get("from"), f.Get("to"); from != "" || to != "" {
		in.Scope.DateRange = &writ.DateRange{From: from, To: to}
	}
	for name, p := range map[string]*int{"records": &in.Records, "expires_in_days": &in.ExpiresInDays, "download_limit": &in.DownloadLimit} {
		if t := strings.TrimSpace(f.Get(name)); t != "" {
			n, err := strconv.Atoi(t)
			if err != nil {
				return in, writ.FieldErrorf(name, "a whole number is required")
			}
			*p = n
		}
	}
	if r.MultipartForm == nil {
		return in, writ.FieldErrorf("files", "choose the files of the package")
	}
	for _, h := range r.MultipartForm.File["files"] {
		file, err := h.Open()
		if err != nil {
			return in, writ.FieldErrorf("files", "the file could not be read")
		}
		content, err := io.ReadAll(io.LimitReader(file, writ.MaxProductionSize+1))
		file.Close()
		if err != nil {
			return in, writ.FieldErrorf("files", "the file could not be read")
		}
		in.Files = append(in.Files, writ.ProductionUpload{Name: h.Filename, Content: content})
	}
	return in, nil
}

// productionFile sends one file of the package; the store records the
// download in the audit log and holds the agency to the expiry and the
// limit.
func (s *Server) productionFile(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	f, content, err := s.store.DownloadProduction(r.Context(), v.actor, id, r.PathValue("sha256"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	_, err = w.Write(content)
	return err
}

// productionProof sends the package's files with their log entries and
// inclusion proofs as JSON, for the agency to check with public tools.
func (s *Server) productionProof(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	p, err := s.store.Production(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fmt.Sprintf("demand-%d-production-proof.json", id)}))
	return json.NewEncoder(w).Encode(p)
}

// annexDraft drafts the Annex III form of a European order the legal
// team cannot execute in full; ENOTFOUND for any other demand.
func (s *Server) annexDraft(ctx context.Context, actor writ.Actor, id int64) (eevidence.Draft, error) {
	d, err := s.store.Demand(ctx, actor, id)
	if err != nil {
		return eevidence.Draft{}, err
	}
	raw, err := s.store.Assessment(ctx, actor, id)
	if err != nil {
		return eevidence.Draft{}, err
	}
	var a rules.Assessment
	if err := json.Unmarshal(raw, &a); err != nil {
		return eevidence.Draft{}, fmt.Errorf("web: assessment of demand %d: %w", id, err)
	}
	if !eevidence.NeedsAnnex(d.Instrument, a) {
		return eevidence.Draft{}, writ.Errorf(writ.ENOTFOUND, "demand %d is no European order that cannot be executed: it has no Annex III draft", id)
	}
	ag, err := s.store.Agency(ctx, actor, d.AgencyID)
	if err != nil {
		return eevidence.Draft{}, err
	}
	o := eevidence.Order{DemandID: d.ID, Kind: d.Instrument, Reference: d.Reference, IssuingState: ag.Country, IssuingAuthority: ag.Name,
		IssuedBy: d.IssuedBy, ValidatedBy: d.ValidatedBy, ReceivedAt: d.ReceivedAt, DataCategories: d.DataCategories}
	return eevidence.DraftAnnexIII(o, a, s.languages)
}

func (s *Server) annexJSON(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	d, err := s.annexDraft(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fmt.Sprintf("demand-%d-annex-iii.json", id)}))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// annexPDF shows the draft as a PDF, inline: the browser's viewer opens it.
func (s *Server) annexPDF(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	d, err := s.annexDraft(r.Context(), v.actor, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := eevidence.WritePDF(&buf, d); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	// The browser's PDF viewer is a plugin: the pages' object-src 'none'
	// would leave it blank.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; object-src 'self'")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": fmt.Sprintf("demand-%d-annex-iii.pdf", id)}))
	_, err = w.Write(buf.Bytes())
	return err
}
