package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"writ"
	"writ/httpbase"
)

// Limits bound how fast one caller may send requests: a token, and an
// address whatever token it sends. Zero disables a limit.
type Limits struct {
	PerToken float64 // requests a second for one API token
	PerIP    float64 // requests a second from one address
}

// Hardened wraps the whole server: security headers on every answer, rate
// limits per token and per address, and an access log line for every
// request that names the token's user — the audit of token use.
func (s *Server) Hardened(limits Limits, tls bool) http.Handler {
	perToken, perIP := newLimiter(limits.PerToken), newLimiter(limits.PerIP)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		if tls {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		ip := httpbase.ClientIP(r, s.proxies)
		token := tokenID(r)
		if wait := perIP.take(ip, start); wait > 0 {
			s.tooMany(w, r, wait, "address")
			return
		}
		if token != "" {
			if wait := perToken.take(token, start); wait > 0 {
				s.tooMany(w, r, wait, "token")
				return
			}
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		info := &requestInfo{}
		s.router.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
		if token != "" || rec.status >= 400 {
			s.log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ip", ip,
				"token", token, "user", info.user, "role", string(info.role), "ms", s.now().Sub(start).Milliseconds())
		}
	})
}

// requestInfo carries who a request turned out to be from, for the access
// log written after the handler ran.
type requestInfo struct {
	user int64
	role writ.Role
}

type requestInfoKey struct{}

// noteCaller records the authenticated caller for the access log.
func noteCaller(r *http.Request, a writ.Actor) {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		info.user, info.role = a.UserID, a.Role
	}
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, per string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.writeError(w, r, writ.Errorf(writ.ETOOMANY, "too many requests from this %s; retry after %s", per, wait.Round(time.Second)))
}

// tokenID identifies a request's bearer token in logs and limits without
// revealing it: the first 12 hex digits of its SHA-256.
func tokenID(r *http.Request) string {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return hex.EncodeToString(sum[:6])
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// limiter is a token bucket per key: rate requests a second, bursts of up
// to twice that. Buckets idle for long are dropped so the map stays small.
type limiter struct {
	rate    float64
	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64) *limiter {
	return &limiter{rate: rate, buckets: map[string]*bucket{}}
}

// take spends one request for key and returns 0, or how long to wait
// before the next would be allowed.
func (l *limiter) take(key string, now time.Time) time.Duration {
	if l.rate <= 0 {
		return 0
	}
	burst := 2 * l.rate
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.at) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return 0
}
