package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// maxDepth bounds how deep arrays and objects nest in a response (the
// response object is depth 1), so that skipping an unknown field cannot
// exhaust a stack; the TypeScript harness has the same bound.
const maxDepth = 128

// errSyntax marks output that is not one strict JSON text (RFC 8259).
var errSyntax = errors.New("not valid JSON")

// scanner reads a JSON text strictly (RFC 8259): UTF-8 only, white space
// only between tokens, every escape and number checked. It is written for
// the response, not taken from a library, because the contract's rules
// depend on details libraries leave loose (duplicate names, how a lone
// surrogate escape decodes, what a number literal looks like), and the
// TypeScript harness (sdk-ts/src/contract/json.ts) follows the same steps.
type scanner struct {
	b   []byte
	pos int
}

// syntaxError reports what was expected at the current position.
func (s *scanner) syntaxError(what string) error {
	if s.pos >= len(s.b) {
		return fmt.Errorf("%w: %s, found the end of the output", errSyntax, what)
	}
	return fmt.Errorf("%w: %s at byte %d, found %q", errSyntax, what, s.pos, head(s.b[s.pos:]))
}

// space skips JSON white space: space, tab, line feed, carriage return.
func (s *scanner) space() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next returns the byte at the current position, or 0 at the end.
func (s *scanner) next() byte {
	if s.pos < len(s.b) {
		return s.b[s.pos]
	}
	return 0
}

// expect consumes c, or reports what was expected.
func (s *scanner) expect(c byte, what string) error {
	if s.next() != c {
		return s.syntaxError(what)
	}
	s.pos++
	return nil
}

// plain marks the bytes a string can hold without a closer look: not a
// control character, not '"', not '\\', ASCII.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainWord tells whether eight bytes are all plain (SWAR: a byte is
// flagged by its high bit when it is >= 0x80, < 0x20, '"' or '\\').
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(x uint64) uint64 { return (x - ones) & ^x & highs }
	return (w&highs)|((w-0x20*ones)&^w&highs)|zero(w^'"'*ones)|zero(w^'\\'*ones) == 0
}

// str reads a string at the current position ('"'), checks it, and returns
// its raw content (between the quotes) and whether it has escapes.
func (s *scanner) str() (raw []byte, escaped bool, err error) {
	if err := s.expect('"', "expected a string"); err != nil {
		return nil, false, err
	}
	start := s.pos
	b := s.b
	for {
		i := s.pos
		// Eight bytes at a time while none needs a closer look.
		for i+8 <= len(b) && plainWord(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		for i < len(b) && plain[b[i]] {
			i++
		}
		s.pos = i
		if i >= len(b) {
			return nil, false, s.syntaxError("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			s.pos++
			return b[start:i], escaped, nil
		case c == '\\':
			escaped = true
			if err := s.escape(); err != nil {
				return nil, false, err
			}
		case c < 0x20:
			return nil, false, s.syntaxError("control character in a string")
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return nil, false, fmt.Errorf("%w: invalid UTF-8 at byte %d", errSyntax, i)
			}
			s.pos += size
		}
	}
}

// escape checks one escape sequence at the current position ('\\').
func (s *scanner) escape() error {
	s.pos++
	switch s.next() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos++
		return nil
	case 'u':
		if s.pos+5 > len(s.b) {
			return s.syntaxError(`expected four hex digits after \u`)
		}
		if _, ok := hex4(s.b[s.pos+1:]); !ok {
			return s.syntaxError(`expected four hex digits after \u`)
		}
		s.pos += 5
		return nil
	}
	return s.syntaxError("invalid escape")
}

// backslash returns the index of the first '\\' in b, or -1. Escapes are
// usually a few bytes apart, where eight bytes a step beats IndexByte's
// set-up.
func backslash(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ '\\'*ones
		if (x-ones)&^x&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '\\' {
			return i
		}
	}
	return -1
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendUnescaped appends the text of a checked raw string to dst. A
// surrogate escape that is not half of a pair becomes U+FFFD, as a
// JavaScript string with a lone surrogate does when encoded as UTF-8.
func appendUnescaped(dst, raw []byte) []byte {
	for len(raw) > 0 {
		i := backslash(raw)
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		c := raw[i+1]
		raw = raw[i+2:]
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(raw)
			raw = raw[4:]
			if 0xD800 <= r && r < 0xDC00 && len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
				if lo, _ := hex4(raw[2:]); 0xDC00 <= lo && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
					raw = raw[6:]
				}
			}
			dst = utf8.AppendRune(dst, r) // a lone surrogate appends U+FFFD
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
	return dst
}

// number reads a number at the current position and returns its text; it
// tells whether it is an integer literal (no fraction, no exponent).
func (s *scanner) number() (raw []byte, integer bool, err error) {
	start := s.pos
	if s.next() == '-' {
		s.pos++
	}
	switch c := s.next(); {
	case c == '0':
		s.pos++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return nil, false, s.syntaxError("expected a digit")
	}
	integer = true
	if s.next() == '.' {
		integer = false
		s.pos++
		if s.digits() == 0 {
			return nil, false, s.syntaxError("expected a digit after '.'")
		}
	}
	if c := s.next(); c == 'e' || c == 'E' {
		integer = false
		s.pos++
		if c := s.next(); c == '+' || c == '-' {
			s.pos++
		}
		if s.digits() == 0 {
			return nil, false, s.syntaxError("expected a digit in the exponent")
		}
	}
	return s.b[start:s.pos], integer, nil
}

// digits skips decimal digits and returns how many there were.
func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.b) && '0' <= s.b[s.pos] && s.b[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

// literal consumes word (true, false, null).
func (s *scanner) literal(word string) error {
	if len(s.b)-s.pos < len(word) || string(s.b[s.pos:s.pos+len(word)]) != word {
		return s.syntaxError("expected a value")
	}
	s.pos += len(word)
	return nil
}

// skip checks and skips any value; depth is the value's nesting depth.
func (s *scanner) skip(depth int) error {
	switch c := s.next(); {
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '{' || c == '[':
		if depth > maxDepth {
			return fmt.Errorf("%w: nested more than %d deep", errSyntax, maxDepth)
		}
		return s.skipContainer(depth)
	case c == '-' || '0' <= c && c <= '9':
		_, _, err := s.number()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.syntaxError("expected a value")
}

// skipContainer checks and skips an array or an object.
func (s *scanner) skipContainer(depth int) error {
	end := byte(']')
	if s.next() == '{' {
		end = '}'
	}
	more := s.open(end)
	var err error
	for more && err == nil {
		if end == '}' {
			if _, _, err = s.name(); err != nil {
				return err
			}
		}
		if err = s.skip(depth + 1); err == nil {
			more, err = s.more(end)
		}
	}
	return err
}

// open consumes the '{' or '[' at the current position and the space after
// it; it tells whether a first member follows (else it consumed end).
func (s *scanner) open(end byte) bool {
	s.pos++
	s.space()
	if s.next() == end {
		s.pos++
		return false
	}
	return true
}

// more consumes the space after a member and then ',' (another member
// follows) or end.
func (s *scanner) more(end byte) (bool, error) {
	s.space()
	switch s.next() {
	case ',':
		s.pos++
		s.space()
		return true, nil
	case end:
		s.pos++
		return false, nil
	}
	return false, s.syntaxError(fmt.Sprintf("expected ',' or '%c'", end))
}

// name reads a member name, the colon after it and the space around it.
func (s *scanner) name() (raw []byte, escaped bool, err error) {
	if raw, escaped, err = s.str(); err != nil {
		return nil, false, err
	}
	s.space()
	if err := s.expect(':', "expected ':'"); err != nil {
		return nil, false, err
	}
	s.space()
	return raw, escaped, nil
}
