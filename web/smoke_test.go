package web_test

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	b.get("/").want(200, "/", "Transparency")
	b.signIn(s.Reviewer)
	b.get("/queue").want(200, "/queue")
}
