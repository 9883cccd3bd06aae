package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP sends e-mail through one SMTP server (a relay or the provider's own
// mail server).
type SMTP struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender's address, e.g. "Legal <legal@provider.example>".
	From string
	// User and Password, when set, authenticate with AUTH PLAIN, or LOGIN
	// when the server offers only that; never over a connection in clear
	// to another machine.
	User, Password string
	// StartTLS is "auto" (upgrade when the server offers it), "always"
	// (refuse to send without it) or "never".
	StartTLS string
	// TLS configures STARTTLS; nil verifies the server's name against the
	// system's roots.
	TLS *tls.Config
	// Hello is the name writ gives in EHLO; "localhost" when empty.
	Hello string
	// Timeout bounds one whole send; 30 seconds when zero.
	Timeout time.Duration
}

// Message is one e-mail with a plain-text and an HTML body.
type Message struct {
	To        []string
	Subject   string
	MessageID string // "<…@…>", the same on every retry
	Date      time.Time
	Text      []byte
	HTML      []byte
}

// Send sends msg. The error says at which step the server refused it.
func (c *SMTP) Send(ctx context.Context, msg Message) error {
	if len(msg.To) == 0 {
		return errors.New("smtp: no recipient")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return fmt.Errorf("smtp: sender %q: %w", c.From, err)
	}
	body, err := msg.bytes(from)
	if err != nil {
		return err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client, tlsOn, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	if c.User != "" {
		auth, err := c.auth(client, tlsOn)
		if err != nil {
			return err
		}
		if err := client.Auth(auth); err != nil {
			return fmt.Errorf("smtp: AUTH: %w", err)
		}
	}
	if err := client.Mail(from.Address, nil); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	for _, to := range msg.To {
		if err := client.Rcpt(to, nil); err != nil {
			return fmt.Errorf("smtp: RCPT TO %s: %w", to, err)
		}
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	// The message is accepted once DATA is; a failed QUIT changes nothing.
	client.Quit()
	return nil
}

// open connects and says hello, upgrading to TLS with STARTTLS when the
// server offers it (unless StartTLS is never). go-smtp greets as
// localhost before STARTTLS; writ gives its own name once the connection
// is encrypted, where AUTH and the mail follow.
func (c *SMTP) open(ctx context.Context) (client *smtp.Client, tlsOn bool, err error) {
	host, _, _ := net.SplitHostPort(c.Addr)
	hello := c.Hello
	if hello == "" {
		hello = "localhost"
	}
	if c.StartTLS != "never" {
		conn, err := c.dial(ctx)
		if err != nil {
			return nil, false, err
		}
		cfg := c.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		client, err := smtp.NewClientStartTLS(conn, cfg)
		switch {
		case err == nil:
			if err := client.Hello(hello); err != nil {
				client.Close()
				return nil, false, fmt.Errorf("smtp: EHLO: %w", err)
			}
			return client, true, nil
		case !strings.Contains(err.Error(), "support STARTTLS"):
			return nil, false, fmt.Errorf("smtp: STARTTLS: %w", err)
		case c.StartTLS == "always":
			return nil, false, errors.New("smtp: the server does not offer STARTTLS and --smtp-starttls is always")
		}
		// auto, and the server offers no STARTTLS: again, in clear.
	}
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	client = smtp.NewClient(conn)
	if err := client.Hello(hello); err != nil {
		client.Close()
		return nil, false, fmt.Errorf("smtp: EHLO: %w", err)
	}
	return client, false, nil
}

// dial connects to the server for as long as ctx lasts: the connection is
// closed when it ends, whatever step the send is at.
func (c *SMTP) dial(ctx context.Context) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: connect: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return &ctxConn{Conn: conn, stop: stop}, nil
}

// ctxConn stops watching its context once closed.
type ctxConn struct {
	net.Conn
	stop func() bool
}

func (c *ctxConn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// auth picks PLAIN, or LOGIN when the server offers only that. Credentials
// never cross a network in clear: without TLS only a server on this
// machine gets them.
func (c *SMTP) auth(client *smtp.Client, tlsOn bool) (sasl.Client, error) {
	host, _, _ := net.SplitHostPort(c.Addr)
	local := host == "localhost" || net.ParseIP(host).IsLoopback()
	if !tlsOn && !local {
		return nil, errors.New("smtp: refusing to send credentials without TLS")
	}
	switch {
	case client.SupportsAuth(sasl.Plain):
		return sasl.NewPlainClient("", c.User, c.Password), nil
	case client.SupportsAuth(sasl.Login):
		return sasl.NewLoginClient(c.User, c.Password), nil
	}
	_, mechs := client.Extension("AUTH")
	return nil, fmt.Errorf("smtp: the server offers no AUTH mechanism writ speaks (offered: %q)", mechs)
}

// bytes renders the message as multipart/alternative, text first.
func (m Message) bytes(from *mail.Address) ([]byte, error) {
	var buf bytes.Buffer
	for _, to := range m.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return nil, fmt.Errorf("smtp: recipient %q: %w", to, err)
		}
	}
	var b [12]byte
	rand.Read(b[:])
	boundary := "writ-" + hex.EncodeToString(b[:])
	h := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", strings.Join(m.To, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.Date.UTC().Format(time.RFC1123Z))
	h("Message-ID", m.MessageID)
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated")
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	buf.WriteString("\r\n")
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, err
	}
	for _, part := range []struct {
		ctype string
		body  []byte
	}{{"text/plain; charset=utf-8", m.Text}, {"text/html; charset=utf-8", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write(part.body); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
