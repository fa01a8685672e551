package guestlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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

// member is one name/value pair of a guest's JSON line.
type member struct {
	key string
	raw json.RawMessage
}

// emitStructured logs line as a structured entry if it is a JSON object
// with string "level" and "msg" members and a known level, and reports
// whether it did.
func (w *Writer) emitStructured(line []byte) bool {
	line = bytes.TrimSpace(line)
	if len(line) < 2 || line[0] != '{' || line[len(line)-1] != '}' {
		return false
	}
	members, ok := parseObject(line)
	if !ok {
		return false
	}
	var (
		level         zapcore.Level
		msg           string
		hasLvl, hasMs bool
	)
	for _, m := range members {
		switch m.key {
		case "level":
			var s string
			if json.Unmarshal(m.raw, &s) != nil {
				return false
			}
			level, hasLvl = parseLevel(s)
			if !hasLvl {
				return false
			}
		case "msg":
			if json.Unmarshal(m.raw, &msg) != nil {
				return false
			}
			hasMs = true
		}
	}
	if !hasLvl || !hasMs {
		return false
	}
	ce := w.logger.Check(level, strings.ToValidUTF8(msg, "\uFFFD"))
	if ce == nil {
		return true
	}
	fields := make([]zap.Field, 0, len(members)+1)
	fields = append(fields, sourceField)
	for _, m := range members {
		key := m.key
		switch {
		case key == "level" || key == "msg":
			continue
		case key == "trace_id":
			var s string
			if w.traceID != "" && json.Unmarshal(m.raw, &s) == nil && s == w.traceID {
				continue
			}
			key = "guest_trace_id"
		case reservedKeys[key]:
			key = "guest_" + key
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

// parseObject splits a JSON object into its members, in order. It fails on
// anything but exactly one object.
func parseObject(b []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var members []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := t.(string)
		if !ok {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		members = append(members, member{key: strings.ToValidUTF8(key, "\uFFFD"), raw: raw})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return members, true
}

// field converts one JSON value to a zap field: strings, booleans and
// numbers to their zap types (integers as int64), null and nested objects
// and arrays through zap.Any.
func field(key string, raw json.RawMessage) zap.Field {
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return zap.String(key, strings.ToValidUTF8(s, "\uFFFD"))
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
	n := json.Number(raw)
	if i, err := n.Int64(); err == nil {
		return zap.Int64(key, i)
	}
	if f, err := n.Float64(); err == nil {
		return zap.Float64(key, f)
	}
	return zap.String(key, string(raw))
}
