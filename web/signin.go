package web

import (
	"math"
	"net/http"
	"strconv"

	"writ"
	"writ/httpbase"
	"writ/identity"
)

// signInData is the sign-in form with what was typed and what went wrong.
type signInData struct {
	Email string
	Next  string
	Error *failure
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.signedIn() {
		return s.redirect(w, r, localPath(r.URL.Query().Get("next")), "")
	}
	return s.render(w, v, http.StatusOK, "signin", "signin.title", signInData{Next: localPath(r.URL.Query().Get("next"))})
}

// clientAddr is the address a sign-in came from, for its throttle and the
// audit log.
func (s *Server) clientAddr(r *http.Request) string { return httpbase.ClientIP(r, s.proxies) }

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, v *visit) error {
	email, next := r.PostFormValue("email"), localPath(r.PostFormValue("next"))
	in, err := s.identity.PasswordSignIn(r.Context(), email, r.PostFormValue("password"), s.clientAddr(r))
	if err != nil {
		code := writ.ErrorCode(err)
		if code != writ.EUNAUTHORIZED && code != writ.ETOOMANY && code != writ.EUNAVAILABLE {
			return err
		}
		retryAfter(w, err)
		f := failureOf(err)
		return s.render(w, v, status(f.Code), "signin", "signin.title", signInData{Email: email, Next: next, Error: &f})
	}
	if v.token != "" {
		// A half-finished earlier sign-in in this browser is abandoned.
		_ = s.identity.SignOut(r.Context(), v.token)
	}
	s.setCookie(w, s.sessionCookie(), in.Token, 0)
	if in.Session.Stage == identity.StageSecondFactor && !in.Session.HasSecondFactor {
		return s.redirect(w, r, "/signin/enrol?next="+urlQuery(next), "")
	}
	if in.Session.Stage == identity.StageSecondFactor {
		return s.redirect(w, r, "/signin/code?next="+urlQuery(next), "")
	}
	return s.redirect(w, r, next, flashOf("flash.signed_in", in.Session.User.Name))
}

// retryAfter tells the client of a refused sign-in (throttled, or too many
// at once) when to try again.
func retryAfter(w http.ResponseWriter, err error) {
	if wait := identity.RetryAfter(err); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	}
}

// codeData is the second-factor form.
type codeData struct {
	Name  string
	Next  string
	Error *failure
}

func (s *Server) codeForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.pending == nil {
		return s.redirect(w, r, "/signin", "")
	}
	if !v.pending.HasSecondFactor {
		return s.redirect(w, r, "/signin/enrol?next="+urlQuery(localPath(r.URL.Query().Get("next"))), "")
	}
	return s.render(w, v, http.StatusOK, "code", "code.title", codeData{Name: v.pending.User.Name, Next: localPath(r.URL.Query().Get("next"))})
}

func (s *Server) code(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := localPath(r.PostFormValue("next"))
	if v.pending == nil {
		return s.redirect(w, r, "/signin?next="+urlQuery(next), "flash.expired")
	}
	in, err := s.identity.SecondFactorSignIn(r.Context(), v.token, r.PostFormValue("code"), s.clientAddr(r))
	if err != nil {
		code := writ.ErrorCode(err)
		if code != writ.EUNAUTHORIZED && code != writ.ETOOMANY {
			return err
		}
		retryAfter(w, err)
		f := failureOf(err)
		if code == writ.ETOOMANY {
			s.setCookie(w, s.sessionCookie(), "", -1)
			return s.render(w, v, status(code), "signin", "signin.title", signInData{Email: v.pending.User.Email, Next: next, Error: &f})
		}
		return s.render(w, v, status(code), "code", "code.title", codeData{Name: v.pending.User.Name, Next: next, Error: &f})
	}
	s.setCookie(w, s.sessionCookie(), in.Token, 0)
	return s.redirect(w, r, next, flashOf("flash.signed_in", in.Session.User.Name))
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := s.identity.SignOut(r.Context(), v.token); err != nil {
		return err
	}
	s.setCookie(w, s.sessionCookie(), "", -1)
	return s.redirect(w, r, "/signin", "flash.signed_out")
}

// home sends each role to its start page, and shows the public page to
// visitors who are not signed in.
func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.signedIn() {
		return s.publicPage(w, r, v)
	}
	switch {
	case v.actor.Role.SeesAll():
		return s.redirect(w, r, "/home", v.flash)
	case v.actor.Role == writ.RoleAgency:
		return s.redirect(w, r, "/agency", v.flash)
	}
	return s.redirect(w, r, "/customer", v.flash)
}
