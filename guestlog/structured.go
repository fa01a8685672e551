package guestlog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// reservedKeys are field names the logger or its encoder already use. A
// guest member with one of these names is kept as "guest_" + name, so that
// an entry never holds a key twice.
var reservedKeys = map[string]bool{
	"ts":         true,
	"time":       true,
	"logger":     true,
	"caller":     true,
	"stacktrace": true,
	"source":     true,
	"handler":    true,
}

// member is one name/value pair of a guest's JSON line: the raw key (with
// its quotes) and the raw value, both slices of the line.
type member struct {
	key []byte
	raw []byte
}

// emitStructured logs line as a structured entry if it is a JSON object
// with string "level" and "msg" members and a known level, and reports
// whether it did.
func (w *Writer) emitStructured(line []byte) bool {
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return false
	}
	members, ok := parseObject(line, w.members[:0])
	if !ok {
		return false
	}
	w.members = members
	var (
		level          zapcore.Level
		msg            string
		hasLvl, hasMsg bool
	)
	for _, m := range members {
		switch string(m.key) {
		case `"level"`:
			if m.raw[0] != '"' {
				return false
			}
			level, hasLvl = parseLevel(decodeString(m.raw))
			if !hasLvl {
				return false
			}
		case `"msg"`:
			if m.raw[0] != '"' {
				return false
			}
			msg, hasMsg = decodeString(m.raw), true
		}
	}
	if !hasLvl || !hasMsg {
		return false
	}
	ce := w.logger.Check(level, msg)
	if ce == nil {
		return true
	}
	fields := make([]zap.Field, 0, len(members)+1)
	fields = append(fields, sourceField)
	for _, m := range members {
		var key string
		switch k := string(m.key); {
		case k == `"level"` || k == `"msg"`:
			continue
		case k == `"trace_id"`:
			if w.traceID != "" && m.raw[0] == '"' && decodeString(m.raw) == w.traceID {
				continue
			}
			key = "guest_trace_id"
		default:
			key = decodeString(m.key)
			if reservedKeys[key] {
				key = "guest_" + key
			}
		}
		fields = append(fields, field(key, m.raw))
	}
	ce.Write(fields...)
	return true
}

// parseLevel maps a guest level name to a zap level. Only debug, info,
// warn/warning and error exist: a guest can never log at a level that
// stops the process.
func parseLevel(s string) (zapcore.Level, bool) {
	switch {
	case strings.EqualFold(s, "debug"):
		return zapcore.DebugLevel, true
	case strings.EqualFold(s, "info"):
		return zapcore.InfoLevel, true
	case strings.EqualFold(s, "warn"), strings.EqualFold(s, "warning"):
		return zapcore.WarnLevel, true
	case strings.EqualFold(s, "error"):
		return zapcore.ErrorLevel, true
	}
	return 0, false
}

// parseObject splits b, which must be exactly one JSON object, into its
// members, in order, appending them to dst. It fails on anything else.
func parseObject(b []byte, dst []member) ([]member, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	// b is valid JSON that starts with '{' and ends with '}': one object.
	// The scan below relies on that validity.
	i := 1
	for {
		i = skipSpace(b, i)
		if b[i] == '}' {
			return dst, true
		}
		kEnd := skipString(b, i)
		key := b[i:kEnd]
		i = skipSpace(b, kEnd) + 1 // ':'
		i = skipSpace(b, i)
		vEnd := skipValue(b, i)
		dst = append(dst, member{key: key, raw: b[i:vEnd]})
		i = skipSpace(b, vEnd)
		if b[i] == ',' {
			i++
		}
	}
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] ('"').
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// decodeString returns the text of the JSON string raw (with its quotes),
// invalid UTF-8 replaced by U+FFFD.
func decodeString(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return validUTF8(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s) // encoding/json replaces invalid UTF-8
	return s
}

// field converts one JSON value to a zap field: strings, booleans and
// numbers to their zap types (integers as int64), null and nested objects
// and arrays through zap.Any.
func field(key string, raw []byte) zap.Field {
	switch raw[0] {
	case '"':
		return zap.String(key, decodeString(raw))
	case 't':
		return zap.Bool(key, true)
	case 'f':
		return zap.Bool(key, false)
	case 'n':
		return zap.Any(key, nil)
	case '{', '[':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		_ = dec.Decode(&v)
		return zap.Any(key, v)
	}
	n := string(raw)
	if i, err := strconv.ParseInt(n, 10, 64); err == nil {
		return zap.Int64(key, i)
	}
	if f, err := strconv.ParseFloat(n, 64); err == nil {
		return zap.Float64(key, f)
	}
	return zap.String(key, n)
}
