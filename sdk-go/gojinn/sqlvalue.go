package gojinn

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The values of sql_query and sql_exec (docs/host-abi.md, "SQL
// databases"): JSON null, true/false, a number (an integer literal binds
// as an integer, any other number as a float), a string (text) or
// {"blob": "<base64>"} (bytes).

// appendSQLValue appends v as the ABI's JSON value. v is nil, a bool, an
// integer of any Go type (an unsigned one up to math.MaxInt64), a float32
// or float64 (finite), a string (valid UTF-8: bytes go as []byte), a
// []byte, or a time.Time, sent as RFC 3339 text with nanoseconds. Anything
// else is ErrInvalid.
func appendSQLValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint:
		return appendSQLUint(b, uint64(v))
	case uint8:
		return appendSQLUint(b, uint64(v))
	case uint16:
		return appendSQLUint(b, uint64(v))
	case uint32:
		return appendSQLUint(b, uint64(v))
	case uint64:
		return appendSQLUint(b, v)
	case float32:
		return appendSQLFloat(b, float64(v), 32)
	case float64:
		return appendSQLFloat(b, v, 64)
	case string:
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("text that is not UTF-8 (pass []byte for bytes): %w", ErrInvalid)
		}
		return appendJSONString(b, v), nil
	case []byte:
		b = append(b, `{"blob":"`...)
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, `"}`...), nil
	case time.Time:
		return appendJSONString(b, v.Format(time.RFC3339Nano)), nil
	default:
		return nil, fmt.Errorf("a parameter of type %T: %w", v, ErrInvalid)
	}
}

func appendSQLUint(b []byte, v uint64) ([]byte, error) {
	if v > math.MaxInt64 {
		return nil, fmt.Errorf("parameter %d over the largest integer (int64): %w", v, ErrInvalid)
	}
	return strconv.AppendUint(b, v, 10), nil
}

// appendSQLFloat writes f so that the host binds it as a float: with a
// fraction or an exponent, never as an integer literal (3.0, not 3).
func appendSQLFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("parameter %v (JSON has no such number): %w", f, ErrInvalid)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, bits)
	if !strings.ContainsAny(string(b[start:]), ".eE") {
		b = append(b, ".0"...)
	}
	return b, nil
}

// appendJSONString appends s as json.Marshal writes it (the same bytes,
// which sqlvalue_test.go checks), without its reflection: < > & as
// \u003c \u003e \u0026, the control characters as \n or \u00XX, U+2028
// and U+2029 escaped, each byte of invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
			start = i + size
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

// decodeSQLValue reads one value of a result: nil, bool, string, int64
// (an integer literal that fits), float64 (any other number) or []byte (a
// blob). Anything else is ErrIO: the host answered something this SDK
// cannot read.
func decodeSQLValue(raw json.RawMessage) (any, error) {
	if len(raw) > 0 {
		switch c := raw[0]; {
		case string(raw) == "null":
			return nil, nil
		case string(raw) == "true":
			return true, nil
		case string(raw) == "false":
			return false, nil
		case c == '"' && len(raw) >= 2 && raw[len(raw)-1] == '"' && !bytes.ContainsRune(raw, '\\'):
			return string(raw[1 : len(raw)-1]), nil // no escape: the text itself
		case c == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err == nil {
				return s, nil
			}
		case c == '-' || c >= '0' && c <= '9':
			return decodeSQLNumber(string(raw))
		case c == '{' && len(raw) >= len(`{"blob":""}`) && bytes.HasPrefix(raw, []byte(`{"blob":"`)) && bytes.HasSuffix(raw, []byte(`"}`)) && base64Text(raw[9:len(raw)-2]):
			// What the map below reads, without encoding/json: the same
			// text, so the same error if it is not base64.
			if b, err := base64.StdEncoding.DecodeString(string(raw[9 : len(raw)-2])); err == nil {
				return b, nil
			}
		case c == '{':
			var blob map[string]string
			if err := json.Unmarshal(raw, &blob); err == nil && len(blob) == 1 {
				if b64, ok := blob["blob"]; ok {
					if b, err := base64.StdEncoding.DecodeString(b64); err == nil {
						return b, nil
					}
				}
			}
		}
	}
	return nil, fmt.Errorf("a value that is not a SQL value (%.40s): %w", raw, ErrIO)
}

// base64Text is whether b holds only base64's characters (none that
// JSON escapes).
func base64Text(b []byte) bool {
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// decodeSQLNumber is an int64 for an integer literal that fits, else a
// float64.
func decodeSQLNumber(n string) (any, error) {
	if !strings.ContainsAny(n, ".eE") {
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return nil, fmt.Errorf("number %s: %w", n, ErrIO)
	}
	return f, nil
}
