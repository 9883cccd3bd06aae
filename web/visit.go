package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"writ"
	"writ/i18n"
	"writ/identity"
	"writ/ops"
)

// visit is one request as the pages see it: who is signed in, the form
// token its forms carry, and the message left by the action before.
type visit struct {
	// session is the signed-in session, nil for a visitor who is not
	// signed in; pending is a session waiting for its second factor.
	session, pending *identity.Session
	token            string
	actor            writ.Actor
	csrf             string
	flash            string
	path             string
	// alerts are what needs the legal team's attention, for the banner
	// of every page; nil for others.
	alerts *writ.Alerts
	// lang is the language the pages speak to this visitor: the user's
	// choice, else the browser's (i18n.Languages).
	lang string
}

// language is the visit's language, English when none was chosen.
func (v *visit) language() string {
	if v.lang == "" {
		return i18n.English
	}
	return v.lang
}

// Alerts is what the banner shows the legal team and auditors.
func (v *visit) Alerts() *writ.Alerts { return v.alerts }

// signedIn reports whether the visitor is signed in.
func (v *visit) signedIn() bool { return v.session != nil }

// User is the signed-in user, for templates.
func (v *visit) User() *writ.User {
	if v.session == nil {
		return nil
	}
	return &v.session.User
}

// CSRF is the anti-forgery token every form of the page carries.
func (v *visit) CSRF() string { return v.csrf }

// Flash is the message of the action that led here.
func (v *visit) Flash() string { return v.flash }

// Path is the page's path, to mark the current item of the navigation.
func (v *visit) Path() string { return v.path }

// Role is the signed-in user's role, or "".
func (v *visit) Role() writ.Role { return v.actor.Role }

// Cookie names. Over TLS the __Host- prefix makes the browser refuse a
// cookie that is not Secure, host-only and for the whole site, so a
// neighbouring subdomain cannot plant a session.
func (s *Server) sessionCookie() string { return s.cookieName("writ_session") }
func (s *Server) preCookie() string     { return s.cookieName("writ_pre") }
func (s *Server) flashCookie() string   { return s.cookieName("writ_flash") }

func (s *Server) cookieName(base string) string {
	if s.secure {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	switch {
	case maxAge < 0:
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

// setFlash leaves a message for the next page the browser opens.
func (s *Server) setFlash(w http.ResponseWriter, msg string) {
	s.setCookie(w, s.flashCookie(), base64.RawURLEncoding.EncodeToString([]byte(msg)), time.Minute)
}

// redirect answers a form with 303 See Other, so that reloading the page
// it leads to does not post the form again.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		s.setFlash(w, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// anonymousCSRF is the form token of a visitor who is not signed in: an
// HMAC of a random cookie (double submit). A forger on another site can
// neither read the cookie nor compute the HMAC without the server's key.
func (s *Server) anonymousCSRF(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(s.preCookie())
	value := ""
	if err == nil && len(c.Value) >= 32 {
		value = c.Value
	} else {
		if value, err = randomString(); err != nil {
			return ""
		}
		s.setCookie(w, s.preCookie(), value, 0)
	}
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte("writ web form\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// errForgedForm answers a form whose token is missing or wrong.
var errForgedForm = writ.Errorf(writ.EFORBIDDEN, "this form has expired or did not come from writ: reload the page and send it again")

// maxForm is the largest form without a file.
const maxForm = 1 << 20

// wrap turns a route's handler into an http.Handler: it finds the session,
// keeps out visitors the route is not for, checks the form token of every
// post, and shows errors as pages.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ops.NoteRoute(r)
		if rt.pattern != "GET /static/{file}" {
			// Pages show case records: no browser or proxy may keep them.
			w.Header().Set("Cache-Control", "no-store")
		}
		v := &visit{path: r.URL.Path}
		if c, err := r.Cookie(s.sessionCookie()); err == nil && c.Value != "" {
			sess, err := s.identity.SessionByToken(r.Context(), c.Value)
			switch {
			case err == nil && sess.Stage == identity.StageSignedIn:
				v.session, v.token, v.actor, v.csrf = &sess, c.Value, sess.Actor(), sess.CSRF
			case err == nil:
				v.pending, v.token, v.csrf = &sess, c.Value, sess.CSRF
			case writ.ErrorCode(err) == writ.EUNAUTHORIZED:
				s.setCookie(w, s.sessionCookie(), "", -1)
			default:
				s.fail(w, r, v, err)
				return
			}
		}
		v.lang = s.anonymousLanguage(r)
		w.Header().Add("Vary", "Accept-Language")
		if u := v.User(); u != nil && i18n.Valid(u.Language) {
			v.lang = u.Language
		} else if v.pending != nil && i18n.Valid(v.pending.User.Language) {
			v.lang = v.pending.User.Language
		}
		if v.csrf == "" && rt.pattern != "GET /static/{file}" {
			v.csrf = s.anonymousCSRF(w, r)
		}
		if c, err := r.Cookie(s.flashCookie()); err == nil {
			if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
				v.flash = string(b)
			}
			s.setCookie(w, s.flashCookie(), "", -1)
		}
		if rt.access != anyone {
			if !v.signedIn() {
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				s.fail(w, r, v, writ.Errorf(writ.EUNAUTHORIZED, "your session has ended: sign in again"))
				return
			}
			if !rt.access.allows(v.actor.Role) {
				s.fail(w, r, v, writ.Errorf(writ.EFORBIDDEN, "this page is not for the %s role", v.actor.Role))
				return
			}
		}
		for name, values := range r.URL.Query() {
			if slices.ContainsFunc(values, func(v string) bool { return strings.IndexByte(v, 0) >= 0 }) {
				s.fail(w, r, v, writ.FieldErrorf(name, "contains a NUL character"))
				return
			}
		}
		if r.Method == http.MethodPost {
			if err := s.checkForm(w, r, v); err != nil {
				s.fail(w, r, v, err)
				return
			}
		} else if v.signedIn() && v.actor.Role.SeesAll() && rt.pattern != "GET /static/{file}" {
			// The banner: emergencies, notices no channel can deliver,
			// orders that ended, on every page the legal team opens.
			a, err := s.store.Alerts(r.Context(), v.actor)
			if err != nil {
				s.fail(w, r, v, err)
				return
			}
			v.alerts = &a
		}
		if err := rt.handler(s, w, r, v); err != nil {
			s.fail(w, r, v, err)
		}
	})
}

// checkForm reads a posted form and checks that it came from a page of
// writ: the browser's own word when it gives one (the standard library's
// CrossOriginProtection reads Sec-Fetch-Site, else Origin against Host),
// and the synchronizer token of the session (or of the visitor before
// sign-in), which every server sharing the database can check. A form's
// values may not hold a NUL character.
func (s *Server) checkForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return errForgedForm
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, writ.MaxDocumentSize+maxForm)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return formError(err)
		}
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			return formError(err)
		}
	}
	got := r.PostFormValue("csrf")
	if v.csrf == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.csrf)) != 1 {
		return errForgedForm
	}
	for name, values := range r.PostForm {
		for _, value := range values {
			if strings.IndexByte(value, 0) >= 0 {
				return writ.FieldErrorf(name, "contains a NUL character")
			}
		}
	}
	return nil
}

func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &writ.Error{Code: writ.ETOOLARGE, Field: "document", Message: "the upload is larger than 20 MiB"}
	}
	return writ.Errorf(writ.EINVALID, "the form could not be read; reload the page and send it again")
}

// localPath returns next when it is a path on this site, else "/": a
// sign-in link must not send the user on to another site. Browsers drop
// tabs and line breaks from a URL and read a backslash as a slash, so
// "/\t/evil.example" is "//evil.example" to them: any whitespace, control
// character or backslash is refused, and what is left must parse as a
// path with neither scheme nor host.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' || unicode.IsSpace(r) }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}
