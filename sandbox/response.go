package sandbox

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
)

// Response is the contract's response, decoded and checked.
type Response struct {
	// Status is a final HTTP status, 200..599.
	Status int
	// Headers maps canonical header names (Go's CanonicalHeaderKey form) to
	// their values, every name a valid HTTP token and every value a valid
	// field value (RFC 9110).
	Headers map[string][]string
	// Body is the body to send, base64 already decoded.
	Body []byte
}

// DecodeResponse checks that out is exactly one valid contract response
// object (docs/contract.md), optionally surrounded by JSON white space, and
// decodes it. sdk-ts/src/contract/response.ts applies the same rules, and
// the differential test in this package holds the two to the same verdict.
func DecodeResponse(out []byte) (*Response, error) {
	s := scanner{b: out}
	s.space()
	if s.pos == len(out) {
		return nil, errors.New("the guest wrote nothing to stdout")
	}
	if out[s.pos] != '{' {
		return nil, fmt.Errorf("stdout does not start with a JSON object: %q", head(out[s.pos:]))
	}
	d := decoders.Get().(*decoder)
	defer d.release()
	if err := d.object(&s); err != nil {
		if errors.Is(err, errSyntax) {
			return nil, fmt.Errorf("stdout is not a valid response object: %w", err)
		}
		return nil, err
	}
	s.space()
	if s.pos != len(out) {
		return nil, fmt.Errorf("stdout has more after the response object at byte %d: %q", s.pos, head(out[s.pos:]))
	}
	return d.response()
}

// headerEntry is one member of the headers object, its name and values
// stored in decoder.text.
type headerEntry struct {
	nameEnd     int // the name is text[previous entry's end:nameEnd]
	first, last int // its values are lens[first:last]; last < 0: null
}

// decoder holds what DecodeResponse collects in one pass over the output;
// decoders are reused, so a warm decode allocates only what it returns.
type decoder struct {
	seen    [4]bool // status, headers, body, body_encoding: given (null too)
	status  []byte  // the status literal; nil: absent or null
	body    []byte  // raw body (as in the JSON text)
	bodyEsc bool    // body has escapes
	hasBody bool    // body given, not null
	base64  bool    // body_encoding is "base64"
	text    []byte  // header names and values, unescaped, one after another
	lens    []int   // the length of each header value in text
	entries []headerEntry
	scratch []byte // an unescaped member name or body_encoding
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// maxKept caps the buffers a decoder keeps for the next response.
const maxKept = 64 << 10

func (d *decoder) release() {
	if cap(d.text) > maxKept || cap(d.scratch) > maxKept || cap(d.lens) > maxKept/8 || cap(d.entries) > maxKept/24 {
		return
	}
	*d = decoder{text: d.text[:0], lens: d.lens[:0], entries: d.entries[:0], scratch: d.scratch[:0]}
	decoders.Put(d)
}

// The members of the response object, in the order of decoder.seen.
var members = [...]string{"status", "headers", "body", "body_encoding"}

// object reads the response object at s and checks each known member.
func (d *decoder) object(s *scanner) error {
	more := s.open('}')
	var err error
	for more && err == nil {
		var raw []byte
		var esc bool
		if raw, esc, err = s.name(); err != nil {
			return err
		}
		if esc {
			d.scratch = appendUnescaped(d.scratch[:0], raw)
			raw = d.scratch
		}
		member := -1
		for i, m := range members {
			if string(raw) == m {
				member = i
				break
			}
		}
		if member >= 0 {
			if d.seen[member] {
				return fmt.Errorf("the response has %q twice", members[member])
			}
			d.seen[member] = true
		}
		switch member {
		case 0:
			err = d.readStatus(s)
		case 1:
			err = d.readHeaders(s)
		case 2:
			err = d.readBody(s)
		case 3:
			err = d.readEncoding(s)
		default:
			err = s.skip(2)
		}
		if err != nil {
			return err
		}
		more, err = s.more('}')
	}
	return err
}

// null consumes a JSON null at s, if there is one.
func null(s *scanner) (bool, error) {
	if s.next() != 'n' {
		return false, nil
	}
	return true, s.literal("null")
}

// valueType names the JSON type of the value at s, for an error message.
func valueType(s *scanner) string {
	switch c := s.next(); {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

func (d *decoder) readStatus(s *scanner) error {
	if c := s.next(); c != '-' && (c < '0' || c > '9') {
		if isNull, err := null(s); isNull || err != nil {
			return err // null: absent
		}
		return fmt.Errorf(`"status" must be an integer, got %s`, valueType(s))
	}
	raw, integer, err := s.number()
	if err != nil {
		return err
	}
	if !integer {
		return fmt.Errorf(`"status" must be an integer literal (no fraction or exponent), got %s`, head(raw))
	}
	d.status = raw
	return nil
}

// stringMember reads the value of a member that must be a string or null;
// present is false for null.
func stringMember(s *scanner, member string) (raw []byte, escaped, present bool, err error) {
	if isNull, err := null(s); isNull || err != nil {
		return nil, false, false, err
	}
	if s.next() != '"' {
		return nil, false, false, fmt.Errorf("%q must be a string, got %s", member, valueType(s))
	}
	raw, escaped, err = s.str()
	return raw, escaped, err == nil, err
}

func (d *decoder) readBody(s *scanner) (err error) {
	d.body, d.bodyEsc, d.hasBody, err = stringMember(s, "body")
	return err
}

func (d *decoder) readEncoding(s *scanner) error {
	raw, esc, present, err := stringMember(s, "body_encoding")
	if !present {
		return err
	}
	if esc {
		d.scratch = appendUnescaped(d.scratch[:0], raw)
		raw = d.scratch
	}
	switch string(raw) {
	case "":
	case "base64":
		d.base64 = true
	default:
		return fmt.Errorf(`unknown "body_encoding" %q`, head(raw))
	}
	return nil
}

// readHeaders reads the headers object: each name a token, given once in
// any letter case, each value null or an array of valid field values.
func (d *decoder) readHeaders(s *scanner) error {
	if isNull, err := null(s); isNull || err != nil {
		return err
	}
	if s.next() != '{' {
		return fmt.Errorf(`"headers" must be an object, got %s`, valueType(s))
	}
	more := s.open('}')
	var err error
	for more && err == nil {
		var raw []byte
		var esc bool
		if raw, esc, err = s.name(); err != nil {
			return err
		}
		start := len(d.text)
		d.text = appendText(d.text, raw, esc)
		name := d.text[start:]
		if !validName(name) {
			return fmt.Errorf("header %q: the name is not an HTTP field name (RFC 9110 token)", head(name))
		}
		canonicalize(name)
		e := headerEntry{nameEnd: len(d.text), first: len(d.lens), last: -1}
		if isNull, err := null(s); err != nil {
			return err
		} else if !isNull {
			if err := d.readValues(s, start, e.nameEnd); err != nil {
				return err
			}
			e.last = len(d.lens)
		}
		d.entries = append(d.entries, e)
		more, err = s.more('}')
	}
	return err
}

// readValues reads one header's array of values; the header's name is
// text[start:end].
func (d *decoder) readValues(s *scanner, start, end int) error {
	if s.next() != '[' {
		return fmt.Errorf("header %q must be an array of strings, got %s", d.text[start:end], valueType(s))
	}
	first := len(d.lens)
	more := s.open(']')
	var err error
	for more && err == nil {
		if s.next() != '"' {
			return fmt.Errorf("header %q must be an array of strings, has %s", d.text[start:end], valueType(s))
		}
		var raw []byte
		var esc bool
		if raw, esc, err = s.str(); err != nil {
			return err
		}
		vstart := len(d.text)
		d.text = appendText(d.text, raw, esc)
		if why := invalidValue(d.text[vstart:]); why != "" {
			return fmt.Errorf("header %q: value %d is not an HTTP field value (RFC 9110): %s", d.text[start:end], len(d.lens)-first+1, why)
		}
		d.lens = append(d.lens, len(d.text)-vstart)
		more, err = s.more(']')
	}
	return err
}

// response builds the Response from what object collected: all header
// names and values share one string, all value lists one backing array.
func (d *decoder) response() (*Response, error) {
	if d.status == nil {
		return nil, errors.New(`the response has no "status"`)
	}
	status := 0
	if len(d.status) == 3 && d.status[0] != '-' {
		status = int(d.status[0]-'0')*100 + int(d.status[1]-'0')*10 + int(d.status[2]-'0')
	}
	if status < 200 || status > 599 {
		return nil, fmt.Errorf(`"status" %s is not a final status (200..599)`, head(d.status))
	}
	resp := &Response{Status: status}
	if len(d.entries) > 0 {
		all := string(d.text)
		values := make([]string, len(d.lens))
		resp.Headers = make(map[string][]string, len(d.entries))
		pos := 0
		for _, e := range d.entries {
			name := all[pos:e.nameEnd]
			pos = e.nameEnd
			if _, dup := resp.Headers[name]; dup {
				return nil, fmt.Errorf("header %q is given twice (names are case-insensitive)", name)
			}
			if e.last < 0 {
				resp.Headers[name] = nil // null: absent, but still counts as given
				continue
			}
			for j := e.first; j < e.last; j++ {
				values[j] = all[pos : pos+d.lens[j]]
				pos += d.lens[j]
			}
			resp.Headers[name] = values[e.first:e.last:e.last]
		}
		for name, vs := range resp.Headers {
			if vs == nil {
				delete(resp.Headers, name)
			}
		}
	}
	var err error
	if resp.Body, err = d.decodeBody(); err != nil {
		return nil, err
	}
	return resp, nil
}

// decodeBody decodes the body (absent or null: empty) under its encoding.
func (d *decoder) decodeBody() ([]byte, error) {
	if !d.hasBody {
		return nil, nil
	}
	if !d.base64 {
		if d.bodyEsc {
			return appendUnescaped(make([]byte, 0, len(d.body)), d.body), nil
		}
		return bytes.Clone(d.body), nil
	}
	text := d.body
	if d.bodyEsc {
		d.scratch = appendUnescaped(d.scratch[:0], d.body)
		text = d.scratch
	}
	// The decoder skips line breaks; the contract does not allow them.
	if bytes.ContainsAny(text, "\r\n") {
		return nil, errors.New(`"body" is not valid base64: it has a line break`)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Decode(out, text)
	if err != nil {
		return nil, fmt.Errorf(`"body" is not valid base64: %w`, err)
	}
	return out[:n], nil
}

// tchar marks the bytes of an HTTP token (RFC 9110 §5.6.2).
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validName tells whether name is an HTTP field name: a non-empty token
// (so never a pseudo-header such as ":status").
func validName(name []byte) bool {
	for _, c := range name {
		if !tchar[c] {
			return false
		}
	}
	return len(name) > 0
}

// canonicalize rewrites a valid name in Go's canonical form in place, as
// http.CanonicalHeaderKey would: "content-type" becomes "Content-Type".
func canonicalize(name []byte) {
	upper := true
	for i, c := range name {
		if upper && 'a' <= c && c <= 'z' {
			name[i] = c - 'a' + 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			name[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
}

// invalidValue says why v is not an HTTP field value (RFC 9110 §5.5: no
// control character but horizontal tab, no white space at either end), or
// returns "" when it is one. HTTP/2 and HTTP/3 send values verbatim, so a
// CR, LF or NUL would corrupt the response.
func invalidValue(v []byte) string {
	for i, c := range v {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return fmt.Sprintf("control character 0x%02x at byte %d", c, i)
		}
	}
	if n := len(v); n > 0 && (v[0] == ' ' || v[0] == '\t' || v[n-1] == ' ' || v[n-1] == '\t') {
		return "white space at its start or end"
	}
	return ""
}

// head shortens b for an error message.
func head(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// appendText appends a scanned JSON string's text, unescaped if it has
// escapes.
func appendText(dst, raw []byte, esc bool) []byte {
	if esc {
		return appendUnescaped(dst, raw)
	}
	return append(dst, raw...)
}
