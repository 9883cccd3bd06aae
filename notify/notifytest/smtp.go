// Package notifytest runs the other ends of writ's channels in tests: an
// SMTP server on loopback (STARTTLS and AUTH PLAIN, with a certificate made
// for the test) and a webhook receiver that verifies signatures the way a
// customer is told to.
package notifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one message the SMTP server accepted.
type Mail struct {
	From   string
	To     []string
	Data   []byte
	TLS    bool // received after STARTTLS
	Authed bool
}

// SMTPServer is an SMTP server on a loopback port that keeps what it
// receives. It offers STARTTLS with its own certificate and requires AUTH
// PLAIN with User and Password, which it offers only over TLS (or, made by
// StartPlainSMTP, offers no TLS and AUTH in clear, as a relay on the same
// machine may).
type SMTPServer struct {
	Addr           string
	User, Password string
	// CertPEM is the server's certificate, for the client to trust.
	CertPEM []byte
	Roots   *x509.CertPool

	mu    sync.Mutex
	mails []Mail
	fail  int           // refuse this many more messages with a temporary error
	delay time.Duration // take this long over each message before accepting it
	hello []string      // the names clients gave in EHLO, in turn
	read  int           // messages read, accepted or not
}

// StartSMTP starts an SMTP server for the test, closed when it ends.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	return startSMTP(t, true)
}

// StartPlainSMTP starts an SMTP server that offers no STARTTLS and takes
// AUTH PLAIN in clear.
func StartPlainSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	return startSMTP(t, false)
}

func startSMTP(t testing.TB, withTLS bool) *SMTPServer {
	cert, certPEM, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTPServer{User: "writ", Password: "test-password", CertPEM: certPEM, Roots: x509.NewCertPool()}
	s.Roots.AppendCertsFromPEM(certPEM)
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	if withTLS {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	} else {
		srv.AllowInsecureAuth = true
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// FailNext makes the server refuse the next n messages at DATA with a
// temporary error, as a relay that is overloaded does.
func (s *SMTPServer) FailNext(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}

// Delay makes the server take d over each message, after it has read it
// and before it accepts it, as a busy relay does. Messages of several
// connections are taken in parallel.
func (s *SMTPServer) Delay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Hellos returns the names clients gave in EHLO, in turn.
func (s *SMTPServer) Hellos() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hello...)
}

// Read counts the messages the server has read in full so far, accepted
// or still being taken over (Delay) or refused.
func (s *SMTPServer) Read() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read
}

// Mails returns what the server accepted so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// WaitFor waits until the server holds at least n messages or timeout
// passes, and returns what it holds.
func (s *SMTPServer) WaitFor(n int, timeout time.Duration) []Mail {
	deadline := time.Now().Add(timeout)
	for {
		m := s.Mails()
		if len(m) >= n || time.Now().After(deadline) {
			return m
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type backend struct{ s *SMTPServer }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.hello = append(b.s.hello, c.Hostname())
	b.s.mu.Unlock()
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s      *SMTPServer
	conn   *smtp.Conn
	authed bool
	mail   Mail
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, password string) error {
		if user != x.s.User || password != x.s.Password {
			return errors.New("invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if !x.authed {
		return smtp.ErrAuthRequired
	}
	_, tlsOn := x.conn.TLSConnectionState()
	x.mail = Mail{From: from, Authed: true, TLS: tlsOn}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.mail.To = append(x.mail.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.read++
	delay := x.s.delay
	x.s.mu.Unlock()
	time.Sleep(delay)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.fail > 0 {
		x.s.fail--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.mail.Data = b
	x.s.mails = append(x.s.mails, x.mail)
	return nil
}

func (x *session) Reset()        { x.mail = Mail{} }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "writ test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}
