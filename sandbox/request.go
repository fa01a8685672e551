package sandbox

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"
)

// Request is the contract's request (docs/contract.md), as the host builds it.
type Request struct {
	Method     string
	URI        string              // path and query with their original encoding
	Headers    map[string][]string // every value of every header, in order
	Body       []byte
	TraceID    string
	Host       string
	RemoteAddr string
	Proto      string
}

// AppendJSON appends r as the contract's JSON request object to dst,
// header names sorted.
// A body that is not valid UTF-8 is sent as base64 with
// "body_encoding":"base64". It is written by hand, not with encoding/json,
// because it runs on every request and reflection costs allocations there.
func (r *Request) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"method":`...)
	dst = appendString(dst, r.Method)
	dst = append(dst, `,"uri":`...)
	dst = appendString(dst, r.URI)
	dst = append(dst, `,"headers":{`...)
	// Names in sorted order, so a request always encodes the same way.
	var stack [32]string
	names := stack[:0]
	for name := range r.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		values := r.Headers[name]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, name)
		dst = append(dst, ":["...)
		for i, v := range values {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, v)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"body":`...)
	if utf8.Valid(r.Body) {
		dst = appendString(dst, r.Body)
	} else {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, r.Body)
		dst = append(dst, `","body_encoding":"base64"`...)
	}
	dst = append(dst, `,"trace_id":`...)
	dst = appendString(dst, r.TraceID)
	dst = append(dst, `,"host":`...)
	dst = appendString(dst, r.Host)
	dst = append(dst, `,"remote_addr":`...)
	dst = appendString(dst, r.RemoteAddr)
	dst = append(dst, `,"proto":`...)
	dst = appendString(dst, r.Proto)
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does, so the output is always valid JSON.
func appendString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		var r rune
		var size int
		switch v := any(s).(type) {
		case string:
			r, size = utf8.DecodeRuneInString(v[i:])
		case []byte:
			r, size = utf8.DecodeRune(v[i:])
		}
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
