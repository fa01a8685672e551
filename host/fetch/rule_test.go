package fetch

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // canonical form; "" means an error containing bad
		bad  string
	}{
		{in: "https://api.example.com", want: "https://api.example.com:443"},
		{in: "http://api.example.com", want: "http://api.example.com:80"},
		{in: "HTTPS://API.Example.COM:8443", want: "https://api.example.com:8443"},
		{in: "https://*.example.org", want: "https://*.example.org:443"},
		{in: "https://*.org", want: "https://*.org:443"},
		{in: "http://127.0.0.1:9000", want: "http://127.0.0.1:9000"},
		{in: "http://[::1]:8080", want: "http://[::1]:8080"},
		{in: "http://[2001:DB8::1]", want: "http://[2001:db8::1]:80"},
		{in: "http://[::ffff:10.0.0.1]", want: "http://10.0.0.1:80"},
		{in: "http://my_service.internal:65535", want: "http://my_service.internal:65535"},
		{in: "http://123.example.org", want: "http://123.example.org:80"},

		{in: "ftp://example.com", bad: "scheme"},
		{in: "example.com", bad: "scheme://"},
		{in: "//example.com", bad: "scheme"},
		{in: "https://example.com/", bad: "no path"},
		{in: "https://example.com/v1", bad: "no path"},
		{in: "https://example.com?x=1", bad: "no path"},
		{in: "https://example.com#x", bad: "no path"},
		{in: "https://user@example.com", bad: "user info"},
		{in: "https://", bad: "empty host"},
		{in: "https://:80", bad: "empty host"},
		{in: "https://example.com:", bad: "empty port"},
		{in: "https://example.com:0", bad: "bad port"},
		{in: "https://example.com:65536", bad: "bad port"},
		{in: "https://example.com:080", bad: "bad port"},
		{in: "https://example.com:x", bad: "bad port"},
		{in: "https://*", bad: "bad host"},
		{in: "https://*.", bad: "bad host"},
		{in: "https://*.*.example.org", bad: "bad host"},
		{in: "https://a*.example.org", bad: "bad host"},
		{in: "https://api.*.example.org", bad: "bad host"},
		{in: "https://*example.org", bad: "bad host"},
		{in: "https://*.127.0.0.1", bad: "bad host"},
		{in: "https://example..com", bad: "bad host"},
		{in: "https://example.com.", bad: "bad host"},
		{in: "https://-example.com", bad: "bad host"},
		{in: "https://exa mple.com", bad: "bad host"},
		{in: "https://exämple.com", bad: "bad host"},
		{in: "https://" + strings.Repeat("a", 64) + ".com", bad: "bad host"},
		{in: "http://127.1", bad: "bad host"},
		{in: "http://0x7f.0.0.1", bad: "bad host"},
		{in: "http://2130706433", bad: "bad host"},
		{in: "http://::1", bad: "brackets"},
		{in: "http://[127.0.0.1]", bad: "bad IPv6"},
		{in: "http://[fe80::1%25eth0]", bad: "bad IPv6"},
		{in: "http://[::1", bad: "missing ]"},
		{in: "http://[::1]x", bad: "bad port"},
		{in: "http://[::1]:", bad: "bad port"},
	} {
		r, err := ParseRule(tc.in)
		switch {
		case tc.want != "" && err != nil:
			t.Errorf("ParseRule(%q): %v", tc.in, err)
		case tc.want != "" && r.String() != tc.want:
			t.Errorf("ParseRule(%q) = %s, want %s", tc.in, r, tc.want)
		case tc.want == "" && err == nil:
			t.Errorf("ParseRule(%q) = %s, want an error", tc.in, r)
		case tc.want == "" && !strings.Contains(err.Error(), tc.bad):
			t.Errorf("ParseRule(%q): %v, want it to say %q", tc.in, err, tc.bad)
		}
	}
}

func TestRuleWarning(t *testing.T) {
	for _, tc := range []struct {
		in, warn string // warn: "" for none, else a word of the warning
	}{
		{"https://api.example.com", ""},
		{"https://*.example.org", ""},
		{"http://127.0.0.1:9000", ""},
		{"http://[::1]", ""},
		{"http://localhost:9000", "127.0.0.1:9000"},
		{"https://LOCALHOST", "never dialed"},
		{"http://app.localhost", "never dialed"},
		{"http://*.localhost", "never dialed"},
		{"http://printer.local", "never dialed"},
		{"http://db.internal", "never dialed"},
		{"http://nas.home.arpa", "never dialed"},
		{"http://localhost.localdomain", "never dialed"},
		{"http://notlocalhost.com", ""},
		{"https://*.com", "top-level domain"},
	} {
		r, err := ParseRule(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		w := r.Warning()
		if tc.warn == "" && w != "" || tc.warn != "" && !strings.Contains(w, tc.warn) {
			t.Errorf("%s: warning %q, want %q", tc.in, w, tc.warn)
		}
		if w != "" && !strings.Contains(w, tc.in) {
			t.Errorf("%s: warning %q does not name the entry", tc.in, w)
		}
	}
}

func TestRuleAllows(t *testing.T) {
	for _, tc := range []struct {
		rule string
		yes  []string
		no   []string
	}{
		{
			rule: "https://api.example.com",
			yes:  []string{"https://api.example.com/v1?x=1", "https://API.EXAMPLE.com", "https://api.example.com:443/", "https://u:p@api.example.com/"},
			no: []string{
				"http://api.example.com", "https://api.example.com:8443", "https://example.com",
				"https://x.api.example.com", "https://api.example.com.evil.net", "https://api.example.com./",
			},
		},
		{
			rule: "https://*.example.org",
			yes:  []string{"https://a.example.org", "https://a.b.example.org/x", "https://123.example.org", "https://A.Example.Org"},
			no: []string{
				"https://example.org", "https://evilexample.org", "https://a.example.org.evil.net",
				"http://a.example.org", "https://a.example.org:444", "https://.example.org", "https://a..example.org",
				"https://-a.example.org",
			},
		},
		{
			rule: "http://127.0.0.1:9000",
			yes:  []string{"http://127.0.0.1:9000/x", "http://[::ffff:127.0.0.1]:9000"},
			no:   []string{"http://127.0.0.1", "http://127.0.0.1:9001", "https://127.0.0.1:9000", "http://localhost:9000", "http://127.0.0.2:9000"},
		},
		{
			rule: "http://[::1]:8080",
			yes:  []string{"http://[::1]:8080", "http://[0:0::1]:8080/"},
			no:   []string{"http://[::1]:8081", "http://127.0.0.1:8080", "http://[fe80::1%25lo]:8080"},
		},
	} {
		r, err := ParseRule(tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tc.yes {
			if !r.allows(mustURL(t, s)) {
				t.Errorf("%s does not allow %s", tc.rule, s)
			}
		}
		for _, s := range tc.no {
			if r.allows(mustURL(t, s)) {
				t.Errorf("%s allows %s", tc.rule, s)
			}
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
