package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"writ"
)

//go:embed static
var staticFS embed.FS

// asset is one static file with the URL that names its content.
type asset struct {
	url         string
	contentType string
	body        []byte
}

// assets are the static files, served under checksum URLs: app.css is
// /static/app.3f2a9c1d.css. A changed file gets a new URL, so every
// answer can be cached for a year and a deploy never serves a stale file.
type assets struct {
	byName map[string]*asset // "app.css"
	byURL  map[string]*asset // "app.3f2a9c1d.css"
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		if strings.HasSuffix(name, ".min.js") {
			ext = ".min.js"
		}
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		x := &asset{url: "/static/" + hashed, contentType: ct, body: body}
		a.byName[name], a.byURL[hashed] = x, x
		return nil
	})
	return a, err
}

// url is the checksum URL of a static file; templates call it as
// {{asset "app.css"}}. An unknown name is a bug in a template, which the
// tests catch: every page is rendered by them.
func (a *assets) url(name string) string {
	if x, ok := a.byName[name]; ok {
		return x.url
	}
	return "/static/missing/" + name
}

func (s *Server) static(w http.ResponseWriter, r *http.Request, v *visit) error {
	x, ok := s.assets.byURL[r.PathValue("file")]
	if !ok {
		return writ.Errorf(writ.ENOTFOUND, "no such file")
	}
	w.Header().Set("Content-Type", x.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(x.body))
	return nil
}

// randomString returns 256 random bits, URL-safe.
func randomString() (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}
