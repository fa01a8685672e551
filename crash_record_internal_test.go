package gojinn

import (
	"encoding/json"
	"testing"

	"github.com/gojinn/gojinn/guestlog"
)

func TestCrashRedactQuery(t *testing.T) {
	rec := &crashRecorder{query: map[string]bool{"token": true, "a b": true}}
	for uri, want := range map[string]string{
		"/p":                           "/p",
		"/p?x=1":                       "/p?x=1",
		"/p?token=s&x=%2F":             "/p?token=[redacted]&x=%2F",
		"/p?x=1&token=s1&token=s2":     "/p?x=1&token=[redacted]&token=[redacted]",
		"/p?token":                     "/p?token=[redacted]",
		"/p?to%6Ben=s":                 "/p?to%6Ben=[redacted]",
		"/p?a+b=s&a%20b=t&ab=u":        "/p?a+b=[redacted]&a%20b=[redacted]&ab=u",
		"/p?tokens=s&xtoken=s&Token=s": "/p?tokens=s&xtoken=s&Token=s",
		"/p?token=s=t;x&%zz=1":         "/p?token=[redacted]&%zz=1",
	} {
		if got := rec.redactQuery(uri); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", uri, got, want)
		}
	}
}

func TestCrashRedactHeaders(t *testing.T) {
	rec := &crashRecorder{headers: (&CrashRecording{RedactHeaders: []string{"x-api-key"}}).redactedHeaderSet()}
	in := map[string][]string{"Authorization": {"a", "b"}, "X-Api-Key": {"k"}, "x-gojinn-debug": {"d"}, "Accept": {"*/*"}}
	got := rec.redactHeaders(in)
	for name, want := range map[string]string{"Authorization": "[redacted]", "X-Api-Key": "[redacted]", "x-gojinn-debug": "[redacted]", "Accept": "*/*"} {
		if v := got[name]; len(v) != 1 || v[0] != want {
			t.Errorf("%s: %q, want [%q]", name, v, want)
		}
	}
	if in["Authorization"][0] != "a" {
		t.Error("the request's own headers were changed")
	}
}

// The ai, sql and objects grants are recorded by name and mode, a prefix
// with its env value redacted (an env value can be a placeholder's).
func TestCrashGrants(t *testing.T) {
	g := &Gojinn{
		AI:      true,
		SQL:     []SQLGrant{{Database: "main"}, {Database: "ro", ReadOnly: true}},
		Objects: []ObjectsGrant{{Store: "media", ReadOnly: true, Prefix: "u/{env.TENANT}/"}, {Store: "all"}},
		secrets: guestlog.NewRedactor([]string{"tenant-s3cret"}),
	}
	t.Setenv("TENANT", "tenant-s3cret")
	b, err := json.Marshal(g.crashGrants())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ai":true,"sql":{"main":"readwrite","ro":"read"},"objects":{"all":{"access":"readwrite"},"media":{"access":"read","prefix":"u/[redacted]/"}}}`
	if string(b) != want {
		t.Errorf("grants %s, want %s", b, want)
	}
}
