package web

import (
	"net/http"
	"strings"

	"writ"
	"writ/identity"
	"writ/store"
)

// enrolData is the page that sets up an authenticator app: the key to add
// (also as an otpauth:// link, which a phone's browser hands to the app),
// and the code that shows the app has it.
type enrolData struct {
	Name string
	// Key is the secret in groups of four, as people type it; URI the
	// otpauth:// link.
	Key, URI string
	Next     string
	// Replace is true on the account page, where a second factor the user
	// has is replaced: a code of the old one is asked for too.
	Replace bool
	Error   *failure
}

// recoveryData shows recovery codes, once.
type recoveryData struct {
	Codes []string
	Next  string
}

// groups writes a base32 key in groups of four.
func groups(key string) string {
	var b strings.Builder
	for i, r := range key {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// enrolPage renders the set-up page for the session's pending secret.
func (s *Server) enrolPage(w http.ResponseWriter, r *http.Request, v *visit, sess *identity.Session, status int, d enrolData) error {
	secret, err := s.identity.PendingTOTP(r.Context(), v.token)
	if err != nil {
		return err
	}
	d.Name, d.Key, d.URI = sess.User.Name, groups(secret), identity.TOTPURI(sess.User.Email, secret)
	return s.render(w, v, status, "enrol", "enrol.title", d)
}

// enrolForm is the step after the password for a user whose role needs a
// second factor and who has none yet: nothing else is reachable until it
// is set up.
func (s *Server) enrolForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := localPath(r.URL.Query().Get("next"))
	if v.pending == nil {
		return s.redirect(w, r, "/signin?next="+urlQuery(next), "")
	}
	if v.pending.HasSecondFactor {
		return s.redirect(w, r, "/signin/code?next="+urlQuery(next), "")
	}
	return s.enrolPage(w, r, v, v.pending, http.StatusOK, enrolData{Next: next})
}

func (s *Server) enrol(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := localPath(r.PostFormValue("next"))
	if v.pending == nil || v.pending.HasSecondFactor {
		return s.redirect(w, r, "/signin?next="+urlQuery(next), "flash.expired")
	}
	in, codes, err := s.identity.EnrolTOTP(r.Context(), v.token, r.PostFormValue("code"), "", s.clientAddr(r))
	if err != nil {
		if writ.ErrorCode(err) != writ.EINVALID {
			return err
		}
		f := failureOf(err)
		return s.enrolPage(w, r, v, v.pending, status(f.Code), enrolData{Next: next, Error: &f})
	}
	s.setCookie(w, s.sessionCookie(), in.Token, 0)
	v.session, v.pending, v.token, v.actor, v.csrf = &in.Session, nil, in.Token, in.Session.Actor(), in.Session.CSRF
	v.flash = "Signed in as " + in.Session.User.Name + ". Your authenticator app is set up."
	return s.render(w, v, http.StatusOK, "recovery", "recovery.title", recoveryData{Codes: codes, Next: next})
}

// accountData is the account page.
type accountData struct {
	SecondFactor store.SecondFactor
	Required     bool
	Error        *failure
	Languages    []languageChoice
}

// account shows the signed-in user's sign-in settings: the second factor
// and how many recovery codes are left.
func (s *Server) account(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.accountPage(w, r, v, http.StatusOK, nil)
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, v *visit, status int, f *failure) error {
	sf, err := s.store.SecondFactorOf(r.Context(), v.actor.UserID)
	if err != nil {
		return err
	}
	return s.render(w, v, status, "account", "account.title", accountData{SecondFactor: sf, Required: identity.NeedsSecondFactor(v.actor.Role), Error: f,
		Languages: languageChoices(v.session.User.Language)})
}

func (s *Server) replaceTOTPForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	sf, err := s.store.SecondFactorOf(r.Context(), v.actor.UserID)
	if err != nil {
		return err
	}
	return s.enrolPage(w, r, v, v.session, http.StatusOK, enrolData{Next: "/account", Replace: sf.Enrolled})
}

func (s *Server) replaceTOTP(w http.ResponseWriter, r *http.Request, v *visit) error {
	_, codes, err := s.identity.EnrolTOTP(r.Context(), v.token, r.PostFormValue("code"), r.PostFormValue("current_code"), s.clientAddr(r))
	if err != nil {
		if writ.ErrorCode(err) != writ.EINVALID {
			return err
		}
		sf, serr := s.store.SecondFactorOf(r.Context(), v.actor.UserID)
		if serr != nil {
			return serr
		}
		f := failureOf(err)
		return s.enrolPage(w, r, v, v.session, status(f.Code), enrolData{Next: "/account", Replace: sf.Enrolled, Error: &f})
	}
	v.flash = "flash.totp_replaced"
	return s.render(w, v, http.StatusOK, "recovery", "recovery.title", recoveryData{Codes: codes, Next: "/account"})
}

func (s *Server) recoveryCodes(w http.ResponseWriter, r *http.Request, v *visit) error {
	codes, err := s.identity.NewRecoveryCodes(r.Context(), v.token, r.PostFormValue("code"))
	if err != nil {
		if writ.ErrorCode(err) != writ.EINVALID {
			return err
		}
		f := failureOf(err)
		return s.accountPage(w, r, v, status(f.Code), &f)
	}
	v.flash = "New recovery codes: the old ones no longer work."
	return s.render(w, v, http.StatusOK, "recovery", "recovery.title", recoveryData{Codes: codes, Next: "/account"})
}
