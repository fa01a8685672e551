package fetch

import (
	"fmt"
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/gojinn/gojinn/host"
)

// hopByHop are the headers that describe one connection, not the message
// (RFC 9110 section 7.6.1): the host's connection is not the guest's to
// configure, and a response's are meaningless to it. Every Proxy-* header
// goes too: no proxy is ever used.
var hopByHop = []string{"Connection", "Keep-Alive", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// requestHeader is the guest's request headers as sent: names
// canonicalized (so no spelling slips past the removals), checked, and
// without hop-by-hop headers, Host (the URL names the host) and
// Content-Length (the body's own). net/http ignores those two in Header
// today; removing them here makes it this package's guarantee.
func requestHeader(in http.Header) (http.Header, error) {
	out := make(http.Header, len(in))
	for name, values := range in {
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, fmt.Errorf("header name %q: %w", name, host.ErrInvalid)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, fmt.Errorf("value of header %s: %w", name, host.ErrInvalid)
			}
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		out[key] = append(out[key], values...)
	}
	dropHopByHop(out)
	delete(out, "Host")
	delete(out, "Content-Length")
	return out, nil
}

// dropHopByHop removes h's hop-by-hop headers, those its Connection header
// names included. h's names must be canonical.
func dropHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				delete(h, textproto.CanonicalMIMEHeaderKey(name))
			}
		}
	}
	for _, name := range hopByHop {
		delete(h, name)
	}
	for name := range h {
		if strings.HasPrefix(name, "Proxy-") {
			delete(h, name)
		}
	}
}
