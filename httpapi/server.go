// Package httpapi serves writ's JSON API under /v1/, the audit log in the
// C2SP tlog-tiles layout under /log/, and the published transparency
// reports' files (JSON, CSV, PDF, checkpoint) and warrant canary under
// /transparency; the pages that show the reports are package web's. Every
// route is in the table of routes below, which the OpenAPI document
// (openapi.json, served at /v1/openapi.json) must match exactly; a test
// holds the two together.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"writ/auditlog"
	"writ/i18n"
	"writ/identity"
	"writ/ops"
	"writ/report"
	"writ/rules"
	"writ/store"
	"writ/throttle"
)

// Options configure a Server.
type Options struct {
	Store  *store.Store
	Rules  *rules.Rulebook
	Logger *slog.Logger
	Now    func() time.Time
	// LogKey signs the audit log's checkpoints.
	LogKey *auditlog.Key
	// TrustedProxies are the addresses of proxies (a load balancer) whose
	// X-Forwarded-For is believed: limits and throttles then apply to the
	// client the proxy names, not to the proxy.
	TrustedProxies []netip.Prefix

	// Identity authenticates API tokens and keeps users and tokens.
	Identity *identity.Service
	// Catalog holds the words of the printable transparency reports; the
	// embedded catalogs are loaded when it is nil.
	Catalog *i18n.Catalog
}

// Server is the API's HTTP handler.
type Server struct {
	store  *store.Store
	rules  *rules.Rulebook
	log    *slog.Logger
	now    func() time.Time
	router *http.ServeMux
	logKey *auditlog.Key // signs checkpoints
	// archive reads the published transparency reports.
	archive report.Archive
	// catalog holds the words of the printable reports; catalogErr is why
	// it could not be loaded, which the printable reports then answer.
	catalog    *i18n.Catalog
	catalogErr error
	// proxies are the trusted proxies (Options.TrustedProxies).
	proxies []netip.Prefix
	// authFailures slows down an address that keeps sending bad tokens.
	authFailures *throttle.Limiter

	identity *identity.Service
}

// AuthThrottle is how failed authentication slows an address down: ten
// bad tokens in a row are free (a misconfigured client), then each waits
// twice as long as the last, up to five minutes.
func AuthThrottle() throttle.Policy {
	return throttle.Policy{Free: 10, Base: time.Second, Max: 5 * time.Minute, Forget: 10 * time.Minute}
}

// route is one operation of the API.
type route struct {
	method, pattern string
	// public routes need no token.
	public bool
	// idempotent says how a creating operation honours Idempotency-Key.
	idempotent idempotency
	handler    func(s *Server, w http.ResponseWriter, r *http.Request) error
}

// routes is the API: one line per operation.
func routes() []route {
	return []route{
		{method: "GET", pattern: "/v1/openapi.json", public: true, handler: (*Server).openAPI},
		{method: "GET", pattern: "/v1/health", public: true, handler: (*Server).health},
		{method: "GET", pattern: "/v1/me", handler: (*Server).me},
		{method: "POST", pattern: "/v1/assess", handler: (*Server).assess},
		{method: "GET", pattern: "/v1/agencies", handler: (*Server).listAgencies},
		{method: "POST", pattern: "/v1/agencies", idempotent: replayAnswer, handler: (*Server).createAgency},
		{method: "GET", pattern: "/v1/agencies/{id}", handler: (*Server).getAgency},
		{method: "POST", pattern: "/v1/agencies/{id}/verification", handler: (*Server).verifyAgency},
		{method: "GET", pattern: "/v1/customers", handler: (*Server).listCustomers},
		{method: "POST", pattern: "/v1/customers", idempotent: replayAnswer, handler: (*Server).createCustomer},
		{method: "GET", pattern: "/v1/customers/{id}", handler: (*Server).getCustomer},
		{method: "POST", pattern: "/v1/users", idempotent: replayAnswer, handler: (*Server).createUser},
		{method: "POST", pattern: "/v1/users/{id}/tokens", idempotent: refuseReplay, handler: (*Server).createToken},
		{method: "GET", pattern: "/v1/users/{id}/tokens", handler: (*Server).listTokens},
		{method: "POST", pattern: "/v1/users/{id}/confirmation", handler: (*Server).confirmUser},
		{method: "POST", pattern: "/v1/users/{id}/deactivation", handler: (*Server).deactivateUser},
		{method: "POST", pattern: "/v1/tokens/{id}/revocation", handler: (*Server).revokeToken},
		{method: "GET", pattern: "/v1/token-requests", handler: (*Server).listTokenRequests},
		{method: "POST", pattern: "/v1/token-requests/{id}/confirmation", idempotent: refuseReplay, handler: (*Server).confirmTokenRequest},
		{method: "GET", pattern: "/v1/alerts", handler: (*Server).alerts},
		{method: "GET", pattern: "/v1/demands", handler: (*Server).listDemands},
		{method: "POST", pattern: "/v1/demands", handler: (*Server).createDemand},
		{method: "POST", pattern: "/v1/demands/preview", handler: (*Server).previewDemand},
		{method: "GET", pattern: "/v1/demands/{id}", handler: (*Server).getDemand},
		{method: "PATCH", pattern: "/v1/demands/{id}", handler: (*Server).updateDemand},
		{method: "POST", pattern: "/v1/demands/{id}/transitions", handler: (*Server).transitionDemand},
		{method: "GET", pattern: "/v1/demands/{id}/assessment", handler: (*Server).getAssessment},
		{method: "GET", pattern: "/v1/demands/{id}/deadlines", handler: (*Server).listDeadlines},
		{method: "GET", pattern: "/v1/demands/{id}/callbacks", handler: (*Server).listCallbacks},
		{method: "POST", pattern: "/v1/demands/{id}/callbacks", idempotent: replayAnswer, handler: (*Server).recordCallback},
		{method: "POST", pattern: "/v1/demands/{id}/nondisclosure-review", handler: (*Server).reviewNondisclosure},
		{method: "GET", pattern: "/v1/demands/{id}/events", handler: (*Server).listEvents},
		{method: "GET", pattern: "/v1/demands/{id}/documents", handler: (*Server).listDocuments},
		{method: "POST", pattern: "/v1/demands/{id}/documents", idempotent: replayAnswer, handler: (*Server).addDocument},
		{method: "GET", pattern: "/v1/demands/{id}/documents/{sha256}", handler: (*Server).getDocument},
		{method: "PUT", pattern: "/v1/demands/{id}/documents/{sha256}/audience", handler: (*Server).setDocumentAudience},
		{method: "GET", pattern: "/v1/demands/{id}/messages/{thread}", handler: (*Server).listMessages},
		{method: "POST", pattern: "/v1/demands/{id}/messages/{thread}", idempotent: replayAnswer, handler: (*Server).postMessage},
		{method: "GET", pattern: "/v1/demands/{id}/notice", handler: (*Server).getNotice},
		{method: "POST", pattern: "/v1/demands/{id}/notice/deliveries", idempotent: replayAnswer, handler: (*Server).recordDelivery},
		{method: "POST", pattern: "/v1/demands/{id}/notice/retry", handler: (*Server).retryNotice},
		{method: "GET", pattern: "/v1/demands/{id}/responses", handler: (*Server).listResponses},
		{method: "POST", pattern: "/v1/demands/{id}/responses", idempotent: replayAnswer, handler: (*Server).createResponse},
		{method: "POST", pattern: "/v1/demands/{id}/responses/{response}/decision", handler: (*Server).decideObjection},
		{method: "GET", pattern: "/v1/demands/{id}/authority-notifications", handler: (*Server).listAuthorityNotifications},
		{method: "GET", pattern: "/v1/demands/{id}/jobs", handler: (*Server).listJobs},
		{method: "GET", pattern: "/v1/demands/{id}/reasons", handler: (*Server).getReasons},
		{method: "POST", pattern: "/v1/demands/{id}/production", idempotent: replayAnswer, handler: (*Server).createProduction},
		{method: "GET", pattern: "/v1/demands/{id}/production", handler: (*Server).getProduction},
		{method: "GET", pattern: "/v1/demands/{id}/production/files/{sha256}", handler: (*Server).downloadProduction},
		{method: "GET", pattern: "/v1/demands/{id}/production/certificate", handler: (*Server).getCertificate},
		{method: "GET", pattern: "/v1/demands/{id}/production/certificate.pdf", handler: (*Server).getCertificatePDF},
		{method: "POST", pattern: "/v1/demands/{id}/production/certificate/signature", idempotent: replayAnswer, handler: (*Server).signCertificate},
		{method: "GET", pattern: "/v1/notices", handler: (*Server).listNotices},
		{method: "PUT", pattern: "/v1/customers/{id}/notice-channels", handler: (*Server).updateNoticeChannels},
		{method: "PUT", pattern: "/v1/customers/{id}/key-custody", handler: (*Server).setKeyCustody},
		{method: "PUT", pattern: "/v1/customers/{id}/data-locations", handler: (*Server).setDataLocations},
		{method: "PUT", pattern: "/v1/customers/{id}/language", handler: (*Server).setCustomerLanguage},
		{method: "GET", pattern: "/v1/log/key", public: true, handler: (*Server).verifierKey},
		{method: "POST", pattern: "/v1/log/checkpoints", handler: (*Server).issueCheckpoint},
		{method: "GET", pattern: "/v1/log/proof/inclusion", handler: (*Server).inclusionProof},
		{method: "GET", pattern: "/v1/log/proof/consistency", handler: (*Server).consistencyProof},
		// The log in the C2SP tlog-tiles layout, for outside verifiers.
		{method: "GET", pattern: "/log/checkpoint", public: true, handler: (*Server).checkpoint},
		{method: "GET", pattern: "/log/tile/{tile...}", public: true, handler: (*Server).tile},
		// The published transparency reports and warrant canary, as files
		// for anyone.
		{method: "GET", pattern: "/transparency/canary", public: true, handler: (*Server).transparencyCanary},
		{method: "GET", pattern: "/transparency/{period}/report.json", public: true, handler: (*Server).transparencyJSON},
		{method: "GET", pattern: "/transparency/{period}/report.csv", public: true, handler: (*Server).transparencyCSV},
		{method: "GET", pattern: "/transparency/{period}/report.pdf", public: true, handler: (*Server).transparencyPDF},
		{method: "GET", pattern: "/transparency/{period}/checkpoint", public: true, handler: (*Server).transparencyCheckpoint},
	}
}

// New returns the API handler.
func New(opts Options) *Server {
	s := &Server{store: opts.Store, identity: opts.Identity, rules: opts.Rules, log: opts.Logger, now: opts.Now, router: http.NewServeMux(), logKey: opts.LogKey,
		proxies: opts.TrustedProxies, authFailures: throttle.NewLimiter(AuthThrottle()), archive: report.NewArchive(opts.Store)}
	if s.catalog = opts.Catalog; s.catalog == nil {
		s.catalog, s.catalogErr = i18n.Load()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, rt := range routes() {
		s.router.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	// Anything else under /v1/ answers in the API's error format.
	s.router.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNoRoute)
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// wrap turns a route's handler into an http.Handler that authenticates
// the caller and writes errors in the API's format.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ops.NoteRoute(r)
		w.Header().Set("Cache-Control", "no-store")
		if err := checkRequestText(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if !rt.public {
			actor, err := s.authenticate(r)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			noteCaller(r, actor)
			r = r.WithContext(withActor(r.Context(), actor))
		}
		if err := s.idempotent(rt, w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}
