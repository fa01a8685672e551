package gojinn

import (
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func init() {
	handlerOptions["record_crashes"] = handlerOption{parse: parseRecordCrashesOption, block: true}
	globalOptions["record_crashes"] = func(d *caddyfile.Dispenser, app *App) error {
		if app.RecordCrashes != nil {
			return d.Err("record_crashes is given twice")
		}
		var err error
		app.RecordCrashes, err = parseRecordCrashes(d)
		return err
	}
}

// Defaults of crash recording (docs/crashes.md).
const (
	DefaultCrashMaxRecords = 1000
	DefaultCrashMaxBytes   = 100 << 20 // 100 MiB
	// CrashBodyCap is the most of a request body a crash record keeps.
	CrashBodyCap = 64 << 10
)

// CrashRecording writes one JSON record per failed run of a handler (a
// trap, a non-zero exit, a contract error, a timeout, the output cap, the
// fuel limit) into a directory, for `gojinn replay` (docs/crashes.md).
// Records hold the contract request with its secrets replaced by
// "[redacted]", and never a value of the handler's env.
type CrashRecording struct {
	// Dir is the directory of the records, created (mode 0700) at load if
	// missing. "off" turns recording off (a handler's way to opt out of
	// the gojinn app's default). Placeholders are resolved at load.
	Dir string `json:"dir"`

	// MaxRecords caps the records kept in Dir; past it the oldest are
	// removed. Default: 1000.
	MaxRecords int `json:"max_records,omitempty"`

	// MaxBytes caps the bytes of the records kept in Dir; past it the
	// oldest are removed. Default: 100 MiB.
	MaxBytes int64 `json:"max_bytes,omitempty"`

	// RecordBody keeps the request body (its first 64 KiB) in the record.
	// Default: true.
	RecordBody *bool `json:"record_body,omitempty"`

	// RedactHeaders are request headers whose values are replaced by
	// "[redacted]", besides Authorization, Cookie, Proxy-Authorization and
	// X-Gojinn-Debug, which always are. Names are case-insensitive.
	RedactHeaders []string `json:"redact_headers,omitempty"`

	// RedactQuery are query parameters whose values are replaced by
	// "[redacted]" in the recorded URI.
	RedactQuery []string `json:"redact_query,omitempty"`
}

// parseRecordCrashesOption reads the handler subdirective.
func parseRecordCrashesOption(d *caddyfile.Dispenser, g *Gojinn) error {
	var err error
	g.RecordCrashes, err = parseRecordCrashes(d)
	return err
}

// parseRecordCrashes reads, the dispenser on the option's name:
//
//	record_crashes <dir>|off {
//	    max_records   <n>
//	    max_bytes     <size>
//	    record_body   on|off
//	    redact_header <name...>
//	    redact_query  <param...>
//	}
//
// The block is optional; each line may be given once, except
// redact_header and redact_query (appended).
func parseRecordCrashes(d *caddyfile.Dispenser) (*CrashRecording, error) {
	option := d.Val()
	args := d.RemainingArgs()
	if len(args) != 1 {
		return nil, d.Errf("%s takes one directory (or off), got %d arguments", option, len(args))
	}
	c := &CrashRecording{Dir: args[0]}
	given := map[string]bool{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		sub := d.Val()
		if given[sub] && sub != "redact_header" && sub != "redact_query" {
			return nil, d.Errf("%s: %s is given twice", option, sub)
		}
		given[sub] = true
		if c.Dir == "off" {
			return nil, d.Errf("%s off takes no block", option)
		}
		var err error
		switch sub {
		case "max_records":
			c.MaxRecords, err = intArg(d, 1)
		case "max_bytes":
			c.MaxBytes, err = sizeArg(d)
		case "record_body":
			var v string
			if v, err = oneArg(d); err == nil {
				if v != "on" && v != "off" {
					return nil, d.Errf("record_body: want on or off, got %q", v)
				}
				on := v == "on"
				c.RecordBody = &on
			}
		case "redact_header":
			names := d.RemainingArgs()
			if len(names) == 0 {
				return nil, d.Err("redact_header needs at least one header name")
			}
			c.RedactHeaders = append(c.RedactHeaders, names...)
		case "redact_query":
			params := d.RemainingArgs()
			if len(params) == 0 {
				return nil, d.Err("redact_query needs at least one query parameter")
			}
			c.RedactQuery = append(c.RedactQuery, params...)
		default:
			return nil, d.Errf("%s: unknown option %q (want max_records, max_bytes, record_body, redact_header or redact_query)", option, sub)
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// check refuses what JSON can say and the Caddyfile cannot.
func (c *CrashRecording) check() error {
	switch {
	case c.Dir == "":
		return fmt.Errorf("record_crashes: no directory given")
	case c.MaxRecords < 0:
		return fmt.Errorf("record_crashes: max_records must not be negative (0 or omitted means the default)")
	case c.MaxBytes < 0:
		return fmt.Errorf("record_crashes: max_bytes must not be negative (0 or omitted means the default)")
	}
	for _, h := range c.RedactHeaders {
		if h == "" {
			return fmt.Errorf("record_crashes: redact_headers: an empty header name")
		}
	}
	for _, q := range c.RedactQuery {
		if q == "" {
			return fmt.Errorf("record_crashes: redact_query: an empty parameter name")
		}
	}
	return nil
}

// alwaysRedacted are the request headers no crash record ever shows.
var alwaysRedacted = []string{"Authorization", "Cookie", "Proxy-Authorization", DebugHeader}

// redactedHeaderSet is alwaysRedacted and c's own, canonical names.
func (c *CrashRecording) redactedHeaderSet() map[string]bool {
	set := make(map[string]bool, len(alwaysRedacted)+len(c.RedactHeaders))
	for _, h := range alwaysRedacted {
		set[h] = true
	}
	for _, h := range c.RedactHeaders {
		set[http.CanonicalHeaderKey(h)] = true
	}
	return set
}
