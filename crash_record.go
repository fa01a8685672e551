package gojinn

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gojinn/gojinn/guestlog"
	"github.com/gojinn/gojinn/sandbox"
)

// crashRecord is one crash record's JSON (docs/crashes.md).
type crashRecord struct {
	ID           string          `json:"id"`
	Time         time.Time       `json:"time"`
	Handler      string          `json:"handler"`
	Module       string          `json:"module"`
	ModuleSHA256 string          `json:"module_sha256"`
	Outcome      sandbox.Outcome `json:"outcome"`
	Status       int             `json:"status"`
	Reason       string          `json:"reason"`
	StderrTail   string          `json:"stderr_tail"`
	FuelUsed     int64           `json:"fuel_used"`
	Limits       crashLimits     `json:"limits"`
	Grants       crashGrants     `json:"grants"`
	// EnvNames are the names of the guest's environment; the values are
	// never recorded (`gojinn replay --env` supplies them).
	EnvNames []string `json:"env_names"`
	// BodyRecorded is false with record_body off: the request's body is
	// then "".
	BodyRecorded bool `json:"body_recorded"`
	// BodySize is the size of the body the guest got; BodyTruncated says
	// that the record keeps only its first 64 KiB.
	BodySize      int  `json:"body_size"`
	BodyTruncated bool `json:"body_truncated"`
	// Request is the contract request the guest got on stdin, redacted.
	Request json.RawMessage `json:"request"`
}

// crashLimits are the run's limits, for the replay to apply the same.
type crashLimits struct {
	TimeoutMS     int64 `json:"timeout_ms"`
	FuelLimit     int64 `json:"fuel_limit"`
	MaxOutputSize int64 `json:"max_output_size"`
	MemoryLimit   int64 `json:"memory_limit"`
}

// crashGrants are the handler's grants, for the replay to grant the same:
// names and modes only, never a database's DSN or a store's endpoint or
// keys (those are the app's, not the handler's).
type crashGrants struct {
	KV      map[string]string `json:"kv,omitempty"` // store -> read|readwrite
	Fetch   []string          `json:"fetch,omitempty"`
	Enqueue []string          `json:"enqueue,omitempty"`
	AI      bool              `json:"ai,omitempty"`
	SQL     map[string]string `json:"sql,omitempty"` // database -> read|readwrite
	// Objects are the object_store grants by store.
	Objects map[string]crashObjectsGrant `json:"objects,omitempty"`
}

// crashObjectsGrant is one `objects` grant: its access, read|readwrite,
// and its prefix ("" for none).
type crashObjectsGrant struct {
	Access string `json:"access"`
	Prefix string `json:"prefix,omitempty"`
}

// recorded are the outcomes that are the guest's failures; an overloaded,
// refused or canceled request is not a crash.
var recorded = map[sandbox.Outcome]bool{
	sandbox.OutcomeTrap:          true,
	sandbox.OutcomeExitError:     true,
	sandbox.OutcomeContractError: true,
	sandbox.OutcomeTimeout:       true,
	sandbox.OutcomeOutputLimit:   true,
	sandbox.OutcomeFuelExhausted: true,
}

// recordCrash records the failed run res of req, if the handler records
// crashes and res is a guest's failure. stderrTail is the run's stderr
// tail, already free of env values. The record is built here (req is the
// request's) and written by the directory's writer.
func (g *Gojinn) recordCrash(req *sandbox.Request, res *sandbox.Result, stderrTail string) {
	rec := g.crashes
	if rec == nil || !recorded[res.Outcome] {
		return
	}
	now := time.Now().UTC()
	r := crashRecord{
		ID:           crashID(now, g.name),
		Time:         now,
		Handler:      g.name,
		Module:       g.Path,
		ModuleSHA256: g.wasmSum,
		Outcome:      res.Outcome,
		Status:       res.Outcome.Status(),
		Reason:       g.secrets.Redact(failureReason(res.Err)),
		StderrTail:   stderrTail,
		FuelUsed:     res.Fuel,
		Limits:       rec.limits,
		Grants:       rec.grants,
		EnvNames:     rec.envNames,
		BodyRecorded: rec.body,
		BodySize:     len(req.Body),
	}
	redacted := *req
	redacted.Headers = rec.redactHeaders(req.Headers)
	redacted.URI = rec.redactQuery(req.URI)
	switch {
	case !rec.body:
		redacted.Body = nil
	case len(req.Body) > CrashBodyCap:
		redacted.Body = req.Body[:CrashBodyCap]
		r.BodyTruncated = true
	}
	r.Request = redacted.AppendJSON(nil)
	b, err := json.MarshalIndent(&r, "", "  ")
	if err != nil { // cannot happen: every field marshals
		rec.failed(err)
		return
	}
	rec.dir.write(crashWrite{name: r.ID + ".json", data: append(b, '\n'), summary: r.summary(rec.dir.path), rec: rec})
}

// crashIDPattern is what a record's id looks like: its time (UTC, sorting
// as the time does), its handler's name made safe, 8 random hex digits.
var crashIDPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}\.[0-9]{9}Z-[A-Za-z0-9_-]{1,48}-[0-9a-f]{8}$`)

// unsafeNameChars are the characters of a handler's name left out of ids.
var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func crashID(t time.Time, handler string) string {
	name := strings.Trim(unsafeNameChars.ReplaceAllString(handler, "_"), "_")
	if len(name) > 48 {
		name = name[len(name)-48:]
	}
	if name == "" {
		name = "handler"
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	return t.Format("20060102T150405.000000000Z") + "-" + name + "-" + hex.EncodeToString(r[:])
}

// redactHeaders returns a copy of h whose redacted headers have one value,
// "[redacted]".
func (rec *crashRecorder) redactHeaders(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for name, values := range h {
		if rec.headers[http.CanonicalHeaderKey(name)] {
			values = []string{guestlog.Mask}
		}
		out[name] = values
	}
	return out
}

// redactQuery replaces the values of the redacted query parameters in
// uri, keeping the rest of it (and its encoding) as it is.
func (rec *crashRecorder) redactQuery(uri string) string {
	i := strings.IndexByte(uri, '?')
	if i < 0 || len(rec.query) == 0 {
		return uri
	}
	pairs := strings.Split(uri[i+1:], "&")
	for j, pair := range pairs {
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if rec.query[key] {
			pairs[j] = pair[:strings.IndexByte(pair+"=", '=')] + "=" + guestlog.Mask
		}
	}
	return uri[:i+1] + strings.Join(pairs, "&")
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
