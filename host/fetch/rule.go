package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Rule is one entry of a handler's fetch allow-list: a scheme, a host and
// a port (docs/fetch.md). Build it with ParseRule.
type Rule struct {
	// Scheme is "http" or "https".
	Scheme string
	// Host is the hostname in lower case (without the "*." of a wildcard),
	// or the IP address of an IP literal in its canonical form.
	Host string
	// Wildcard: the entry was "*.Host" and matches any name of one or more
	// whole labels followed by "." and Host, never Host itself.
	Wildcard bool
	// Port is the entry's port, the scheme's default when it names none.
	Port uint16

	addr netip.Addr // the IP literal (unmapped), invalid for a hostname
	text string     // the entry as written, for messages
}

// ParseRule parses an allow-list entry such as "https://api.example.com",
// "https://*.example.org", "http://127.0.0.1:9000" or "http://[::1]:8080":
// scheme, host and optional port, nothing else (no path, query, fragment
// or user info).
func ParseRule(s string) (Rule, error) {
	r, err := parseRule(s)
	if err != nil {
		return Rule{}, fmt.Errorf("fetch entry %q: %w", s, err)
	}
	r.text = s
	return r, nil
}

func parseRule(s string) (Rule, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Rule{}, errors.New("want scheme://host[:port]")
	}
	var r Rule
	switch strings.ToLower(scheme) {
	case "http":
		r.Scheme, r.Port = "http", 80
	case "https":
		r.Scheme, r.Port = "https", 443
	default:
		return Rule{}, errors.New("the scheme must be http or https")
	}
	if i := strings.IndexAny(rest, "/?#@"); i >= 0 {
		return Rule{}, errors.New("only scheme, host and port are allowed (no path, query, fragment or user info)")
	}
	host, port, err := splitHostPort(rest)
	if err != nil {
		return Rule{}, err
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 || port[0] == '0' {
			return Rule{}, fmt.Errorf("bad port %q", port)
		}
		r.Port = uint16(n)
	}
	if strings.HasPrefix(host, "[") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return Rule{}, fmt.Errorf("bad IPv6 address %s", host)
		}
		r.addr = a.Unmap()
		r.Host = r.addr.String()
		return r, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		r.addr = a
		r.Host = a.String()
		return r, nil
	}
	host = strings.ToLower(host)
	if name, ok := strings.CutPrefix(host, "*."); ok {
		r.Wildcard, host = true, name
	}
	if !validHostname(host) {
		return Rule{}, fmt.Errorf("bad host %q: want a hostname (with an optional leading \"*.\"), an IPv4 address or an [IPv6] address", host)
	}
	r.Host = host
	return r, nil
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", errors.New("missing ] after an IPv6 address")
		}
		host, rest := s[:end+1], s[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if rest[0] != ':' || len(rest) == 1 {
			return "", "", fmt.Errorf("bad port after %s", host)
		}
		return host, rest[1:], nil
	}
	switch strings.Count(s, ":") {
	case 0:
		host = s
	case 1:
		host, port, _ = strings.Cut(s, ":")
		if port == "" {
			return "", "", errors.New("empty port")
		}
	default:
		return "", "", errors.New("an IPv6 address must be in brackets")
	}
	if host == "" {
		return "", "", errors.New("empty host")
	}
	return host, port, nil
}

// validHostname: dot-separated labels of 1 to 63 letters, digits, '-' or
// '_' (no leading or trailing '-'), at most 253 bytes, and a last label
// that is not all digits (so "127.1" is neither an address nor a name).
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// String is the entry in canonical form.
func (r Rule) String() string {
	host := r.Host
	if r.addr.Is6() {
		host = "[" + host + "]"
	}
	if r.Wildcard {
		host = "*." + host
	}
	return r.Scheme + "://" + host + ":" + strconv.Itoa(int(r.Port))
}

// Warning is a message for the config loader to log about an entry that
// is valid but probably not what its author meant ("" when none): a name
// such as localhost that resolves to addresses never dialed, or a
// wildcard over a whole top-level domain.
func (r Rule) Warning() string {
	if r.addr.IsValid() {
		return ""
	}
	for _, local := range []string{"localhost", "localhost.localdomain", "local", "internal", "home.arpa"} {
		if r.Host == local || strings.HasSuffix(r.Host, "."+local) {
			return fmt.Sprintf("fetch entry %q: %s names local addresses, which are never dialed through a hostname; name the address itself to allow it (e.g. %s://127.0.0.1:%d)",
				r.text, r.Host, r.Scheme, r.Port)
		}
	}
	if r.Wildcard && !strings.Contains(r.Host, ".") {
		return fmt.Sprintf("fetch entry %q allows every name under the top-level domain %q", r.text, r.Host)
	}
	return ""
}

// allows tells whether the entry matches u (an absolute http or https URL).
func (r Rule) allows(u *url.URL) bool {
	if u.Scheme != r.Scheme || urlPort(u) != r.Port {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if r.addr.IsValid() {
		a, err := netip.ParseAddr(host)
		return err == nil && a.Zone() == "" && a.Unmap() == r.addr
	}
	if r.Wildcard {
		// A valid host ending in "."+Host has at least one whole label more.
		return strings.HasSuffix(host, "."+r.Host) && validHostname(host)
	}
	return host == r.Host
}

// urlPort is u's port, the scheme's default when it names none, 0 when
// it is not a number in range.
func urlPort(u *url.URL) uint16 {
	p := u.Port()
	if p == "" {
		if u.Scheme == "https" {
			return 443
		}
		return 80
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}
