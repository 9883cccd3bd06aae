// Package web is writ's server-rendered web application: the legal team's
// queue and demand pages, the agency and customer portals, the admin pages,
// the public page with the audit log's checkpoint, and the published
// transparency reports' pages. It calls the store with the signed-in user
// as the actor, exactly as the JSON API does, so a page can show nothing
// the store would not give that user.
//
// Every page works without JavaScript: actions are plain forms that post
// and redirect. htmx (vendored in static/, see vendor-htmx) only makes the
// queue's filters apply without a full reload. Templates and static files
// are embedded; static files are served under URLs that carry a checksum
// of their content, so they can be cached for a year.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"writ"
	"writ/i18n"
	"writ/identity"
	"writ/report"
	"writ/store"
)

// Options configure a Server.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Secure is true when writ is served over TLS: cookies are then
	// marked Secure and take the __Host- prefix. Over plain HTTP (a
	// developer's machine) browsers would drop Secure cookies, so they are
	// sent without.
	Secure bool
	// Key authenticates the anti-forgery token of forms shown before
	// sign-in. When nil, the key the store keeps for every server sharing
	// the database (Store.ServerKey), so that a form one server showed is
	// accepted by another behind the same address, and after a restart.
	Key []byte
	// TrustedProxies are proxies whose X-Forwarded-For names the client
	// (see httpbase.ClientIP): sign-in throttles count per client then.
	TrustedProxies []netip.Prefix

	// Identity signs users in and keeps their sessions, second factors,
	// passwords and tokens.
	Identity *identity.Service
	// CertificateLanguages are the languages in which the provider accepts
	// European Production and Preservation Order certificates ("en" when
	// empty), shown to authorities and on the Annex III drafts.
	CertificateLanguages []string
}

// Server is the web application's HTTP handler.
type Server struct {
	store  *store.Store
	log    *slog.Logger
	now    func() time.Time
	secure bool
	key    []byte
	// crossOrigin refuses forms that a browser says came from another
	// site.
	crossOrigin *http.CrossOriginProtection
	proxies     []netip.Prefix
	mux         *http.ServeMux
	pages       *pages
	assets      *assets

	identity *identity.Service
	// catalog holds the words of the pages for agencies, customers and
	// the public, in every language.
	catalog *i18n.Catalog
	// archive reads the published transparency reports.
	archive report.Archive
	// languages are Options.CertificateLanguages.
	languages []string
}

// access says who may open a route.
type access int

const (
	anyone    access = iota // no session needed
	signedIn                // any signed-in user
	seesAll                 // the legal team and auditors
	legalTeam               // reviewers, approvers, admins
	agencyOnly
	customerOnly
	adminOnly
	// published pages are the same for everyone: no session is read and
	// no cookie set (the published transparency reports).
	published
)

// allows reports whether a user of role may open a route of access a.
func (a access) allows(role writ.Role) bool {
	switch a {
	case anyone, signedIn, published:
		return true
	case seesAll:
		return role.SeesAll()
	case legalTeam:
		return role.LegalTeam()
	case agencyOnly:
		return role == writ.RoleAgency
	case customerOnly:
		return role == writ.RoleCustomer
	case adminOnly:
		return role == writ.RoleAdmin
	}
	return false
}

// handler serves one route; an error it returns is shown on an error page.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, v *visit) error

type route struct {
	pattern string
	access  access
	handler handler
}

// routes is the web application: one line per page or action.
func routes() []route {
	return []route{
		{"GET /{$}", anyone, (*Server).home},
		{"GET /public", anyone, (*Server).publicPage},
		{"GET /transparency", published, (*Server).transparencyIndex},
		{"GET /transparency/{period}", published, (*Server).transparencyReport},
		{"GET /static/{file}", anyone, (*Server).static},
		{"GET /signin", anyone, (*Server).signInForm},
		{"POST /signin", anyone, (*Server).signIn},
		{"GET /signin/code", anyone, (*Server).codeForm},
		{"POST /signin/code", anyone, (*Server).code},
		{"GET /signin/enrol", anyone, (*Server).enrolForm},
		{"POST /signin/enrol", anyone, (*Server).enrol},
		{"GET /account", signedIn, (*Server).account},
		{"GET /account/totp", signedIn, (*Server).replaceTOTPForm},
		{"POST /account/totp", signedIn, (*Server).replaceTOTP},
		{"POST /account/recovery-codes", signedIn, (*Server).recoveryCodes},
		{"POST /account/language", signedIn, (*Server).setLanguage},
		{"POST /signout", signedIn, (*Server).signOut},

		{"GET /home", seesAll, (*Server).legalHome},
		{"GET /queue", seesAll, (*Server).queue},
		{"GET /queue.csv", seesAll, (*Server).queueCSV},
		{"POST /queue/bulk", legalTeam, (*Server).bulk},
		{"POST /queue/filters", seesAll, (*Server).saveFilter},
		{"POST /queue/filters/{id}/deletion", seesAll, (*Server).deleteFilter},
		{"GET /notices", seesAll, (*Server).notices},
		{"GET /calendar", seesAll, (*Server).calendar},
		{"GET /demands/{id}", signedIn, (*Server).demandPage},
		{"GET /demands/{id}/documents/{sha256}", signedIn, (*Server).document},
		{"POST /demands/{id}/documents", signedIn, (*Server).upload},
		{"POST /demands/{id}/transitions", signedIn, (*Server).transition},
		{"POST /demands/{id}/requester", legalTeam, (*Server).verifyRequester},
		{"POST /demands/{id}/callbacks", legalTeam, (*Server).recordCallback},
		{"POST /demands/{id}/assignee", legalTeam, (*Server).assign},
		{"POST /demands/{id}/edit", legalTeam, (*Server).editDemand},
		{"POST /demands/{id}/notes", legalTeam, (*Server).addNote},
		{"POST /demands/{id}/notice/deliveries", legalTeam, (*Server).recordDelivery},
		{"POST /demands/{id}/notice/retry", legalTeam, (*Server).retryNotice},
		{"POST /demands/{id}/nondisclosure-review", legalTeam, (*Server).reviewNondisclosure},
		{"POST /demands/{id}/documents/{sha256}/audience", legalTeam, (*Server).setAudience},
		{"POST /demands/{id}/objections/{response}", legalTeam, (*Server).decideObjection},
		{"POST /demands/{id}/responses", customerOnly, (*Server).respond},
		{"POST /demands/{id}/replies", agencyOnly, (*Server).reply},
		{"POST /demands/{id}/messages/{thread}", signedIn, (*Server).postMessage},
		{"POST /demands/{id}/production", legalTeam, (*Server).produce},
		{"POST /demands/{id}/production/certificate", legalTeam, (*Server).signCertificate},
		{"GET /demands/{id}/production/certificate.json", signedIn, (*Server).certificateJSON},
		{"GET /demands/{id}/production/certificate.pdf", signedIn, (*Server).certificatePDF},
		{"GET /demands/{id}/production/proof.json", signedIn, (*Server).productionProof},
		{"GET /demands/{id}/production/{sha256}", signedIn, (*Server).productionFile},
		{"GET /demands/{id}/annex-iii.json", legalTeam, (*Server).annexJSON},
		{"GET /demands/{id}/annex-iii.pdf", legalTeam, (*Server).annexPDF},

		{"GET /agency", agencyOnly, (*Server).agencyHome},
		{"GET /agency/new", agencyOnly, (*Server).submitForm},
		{"POST /agency/demands", agencyOnly, (*Server).submit},
		{"POST /agency/preview", agencyOnly, (*Server).preview},

		{"GET /customer", customerOnly, (*Server).customerHome},
		{"GET /customer/locations", customerOnly, (*Server).locations},

		{"GET /admin", seesAll, (*Server).adminHome},
		{"GET /admin/users", seesAll, (*Server).users},
		{"POST /admin/users", adminOnly, (*Server).createUser},
		{"POST /admin/users/{id}/confirmation", legalTeam, (*Server).confirmUser},
		{"POST /admin/users/{id}/password", adminOnly, (*Server).setPassword},
		{"POST /admin/users/{id}/deactivation", adminOnly, (*Server).deactivateUser},
		{"POST /admin/token-requests/{id}/confirmation", adminOnly, (*Server).confirmTokenRequest},
		{"GET /admin/agencies", seesAll, (*Server).agencies},
		{"POST /admin/agencies", adminOnly, (*Server).createAgency},
		{"POST /admin/agencies/{id}/verification", adminOnly, (*Server).verifyAgency},
		{"GET /admin/customers", seesAll, (*Server).customers},
		{"POST /admin/customers", adminOnly, (*Server).createCustomer},
		{"POST /admin/customers/{id}/key-custody", adminOnly, (*Server).setKeyCustody},
		{"POST /admin/customers/{id}/data-locations", adminOnly, (*Server).changeDataLocations},
		{"GET /admin/rulebook", seesAll, (*Server).rulebook},
	}
}

// New returns the web application's handler.
func New(opts Options) (*Server, error) {
	s := &Server{store: opts.Store, identity: opts.Identity, log: opts.Logger, now: opts.Now, secure: opts.Secure, key: opts.Key, mux: http.NewServeMux(),
		crossOrigin: http.NewCrossOriginProtection(), proxies: opts.TrustedProxies, archive: report.NewArchive(opts.Store)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.languages = opts.CertificateLanguages; len(s.languages) == 0 {
		s.languages = []string{"en"}
	}
	if len(s.key) == 0 {
		key, err := s.store.ServerKey(context.Background(), "web form token")
		if err != nil {
			return nil, err
		}
		s.key = key
	}
	var err error
	if s.catalog, err = i18n.Load(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(s.assets, s.store.Rules(), s.catalog); err != nil {
		return nil, err
	}
	for _, rt := range routes() {
		if rt.access == published {
			s.mux.Handle(rt.pattern, s.wrapPublished(rt))
			continue
		}
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	s.mux.Handle("/", s.wrap(route{"/", anyone, (*Server).notFound}))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if s.secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *visit) error {
	return writ.Errorf(writ.ENOTFOUND, "there is no page at this address")
}
