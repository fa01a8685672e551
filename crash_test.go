package gojinn_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/ncruces/go-sqlite3"

	"github.com/gojinn/gojinn"
	"github.com/gojinn/gojinn/internal/s3test"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/objstore"
	"github.com/gojinn/gojinn/sandbox"
)

// crashRecordFile is the part of a crash record the tests read.
type crashRecordFile struct {
	ID           string `json:"id"`
	Handler      string `json:"handler"`
	Module       string `json:"module"`
	ModuleSHA256 string `json:"module_sha256"`
	Outcome      string `json:"outcome"`
	Status       int    `json:"status"`
	Reason       string `json:"reason"`
	StderrTail   string `json:"stderr_tail"`
	FuelUsed     int64  `json:"fuel_used"`
	Limits       struct {
		TimeoutMS int64 `json:"timeout_ms"`
		FuelLimit int64 `json:"fuel_limit"`
	} `json:"limits"`
	EnvNames      []string `json:"env_names"`
	BodyRecorded  bool     `json:"body_recorded"`
	BodySize      int      `json:"body_size"`
	BodyTruncated bool     `json:"body_truncated"`
	Request       struct {
		Method  string              `json:"method"`
		URI     string              `json:"uri"`
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
	} `json:"request"`
}

// crashFiles waits until dir holds at least want records (they are
// written off the request's path) and returns their paths, oldest first.
func crashFiles(t *testing.T, dir string, want int) []string {
	t.Helper()
	var files []string
	for range 100 {
		files, _ = filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) >= want {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(files) < want {
		t.Fatalf("%s: %d crash records, want %d", dir, len(files), want)
	}
	slices.Sort(files)
	return files
}

func readCrash(t *testing.T, path string) crashRecordFile {
	t.Helper()
	var r crashRecordFile
	if err := json.Unmarshal([]byte(readFile(t, path)), &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// adminGet gets path from Caddy's admin API.
func adminGet(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://localhost:2999" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The secrets TestCrashRecordAndReplay sends or configures.
const (
	crashEnvSecret    = "env-s3cret-value-4217"
	crashAuthSecret   = "Bearer auth-s3cret-9931"
	crashCookieSecret = "sid=cookie-s3cret-5120"
	crashProxySecret  = "Basic proxy-s3cret-7781"
	crashDebugSecret  = "debug-s3cret-6650"
	crashHeaderSecret = "apikey-s3cret-3384"
	crashQuerySecret  = "query-s3cret-2209"
)

// A guest that traps on one input is recorded through Caddy, with every
// secret redacted (in the record, Caddy's log and the admin API), and
// `gojinn replay` of the record reproduces the trap.
func TestCrashRecordAndReplay(t *testing.T) {
	cli := filepath.Join(testguest.Root(), "sdk-ts", "bin", "gojinn")
	if _, err := os.Stat(filepath.Join(testguest.Root(), "sdk-ts", "dist", "cli", "commands", "replay.js")); err != nil {
		t.Fatalf("the TypeScript CLI is not built: run `make sdk` (%v)", err)
	}
	dir := filepath.Join(t.TempDir(), "crashes")
	wasm := guestPath(t, "crashon")
	tester, logFile := server(t, fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn %s {
		name crashy
		env SECRET %s
		debug_secret %s
		record_crashes %s {
			redact_header X-Api-Key
			redact_query token
		}
	}
}`, wasm, crashEnvSecret, crashDebugSecret, dir))

	resp, _ := do(t, tester, newRequest(t, "GET", base+"/fine?token=x", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("a request without boom: got %d, want 200", resp.StatusCode)
	}
	req := newRequest(t, "POST", base+"/crash?token="+crashQuerySecret+"&mode=boom", strings.NewReader(`{"payload":"hello"}`))
	req.Header.Set("Authorization", crashAuthSecret)
	req.Header.Set("Cookie", crashCookieSecret)
	req.Header.Set("Proxy-Authorization", crashProxySecret)
	req.Header.Set("X-Gojinn-Debug", crashDebugSecret)
	req.Header.Set("X-Api-Key", crashHeaderSecret)
	req.Header.Set("X-Kept", "visible")
	resp, _ = do(t, tester, req)
	if resp.StatusCode != 502 {
		t.Fatalf("a request with boom: got %d, want 502", resp.StatusCode)
	}
	files := crashFiles(t, dir, 1)
	if len(files) != 1 {
		t.Fatalf("got %d records, want 1 (the successful request is not recorded): %v", len(files), files)
	}
	raw := readFile(t, files[0])
	rec := readCrash(t, files[0])
	if rec.Outcome != "trap" || rec.Status != 502 || rec.Handler != "crashy" || rec.Module != wasm {
		t.Errorf("record: outcome %q status %d handler %q module %q, want trap 502 crashy %s", rec.Outcome, rec.Status, rec.Handler, rec.Module, wasm)
	}
	if sum := sha256.Sum256(testguest.Read(t, wasm)); rec.ModuleSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("module_sha256 %s, want %x", rec.ModuleSHA256, sum)
	}
	if rec.FuelUsed <= 0 || !strings.Contains(rec.Reason, "trapped") {
		t.Errorf("fuel_used %d, reason %q: want fuel > 0 and the trap's reason", rec.FuelUsed, rec.Reason)
	}
	if filepath.Base(files[0]) != rec.ID+".json" {
		t.Errorf("file %s, id %s", files[0], rec.ID)
	}
	for name, want := range map[string]string{"Authorization": "[redacted]", "Cookie": "[redacted]", "Proxy-Authorization": "[redacted]", "X-Api-Key": "[redacted]", "X-Kept": "visible"} {
		if got := rec.Request.Headers[name]; len(got) != 1 || got[0] != want {
			t.Errorf("recorded header %s = %q, want [%q]", name, got, want)
		}
	}
	if rec.Request.Method != "POST" || rec.Request.URI != "/crash?token=[redacted]&mode=boom" || rec.Request.Body != `{"payload":"hello"}` {
		t.Errorf("recorded request %s %s %q", rec.Request.Method, rec.Request.URI, rec.Request.Body)
	}
	if rec.StderrTail != "secret=[redacted]\n" || !slices.Equal(rec.EnvNames, []string{"SECRET"}) {
		t.Errorf("stderr_tail %q, env_names %v: want the env value redacted and its name kept", rec.StderrTail, rec.EnvNames)
	}
	for path, mode := range map[string]os.FileMode{dir: 0o700, files[0]: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, mode)
		}
	}

	status, list := adminGet(t, "/gojinn/crashes")
	var summaries []struct{ ID, Handler, Outcome, Reason, Replay string }
	if err := json.Unmarshal([]byte(list), &summaries); status != 200 || err != nil || len(summaries) == 0 {
		t.Fatalf("GET /gojinn/crashes: %d %s (%v)", status, list, err)
	}
	if s := summaries[0]; s.ID != rec.ID || s.Outcome != "trap" || s.Handler != "crashy" || s.Replay != "gojinn replay "+files[0]+" "+wasm {
		t.Errorf("GET /gojinn/crashes: first %+v, want id %s and its replay command", s, rec.ID)
	}
	status, one := adminGet(t, "/gojinn/crashes/"+rec.ID)
	if status != 200 || strings.TrimSpace(one) != raw {
		t.Errorf("GET /gojinn/crashes/<id>: %d %s, want the record as written", status, one)
	}
	if status, _ := adminGet(t, "/gojinn/crashes/..%2f..%2fetc%2fpasswd"); status != 404 {
		t.Errorf("GET /gojinn/crashes/<not an id>: %d, want 404", status)
	}

	// Not one secret anywhere.
	outputs := map[string]string{"record": raw, "caddy log": readFile(t, logFile), "admin list": list, "admin record": one}
	for _, secret := range []string{crashEnvSecret, crashAuthSecret, "auth-s3cret", crashCookieSecret, "cookie-s3cret", "proxy-s3cret", crashDebugSecret, crashHeaderSecret, crashQuerySecret} {
		for what, text := range outputs {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains the secret %q", what, secret)
			}
		}
	}
	if !strings.Contains(readFile(t, logFile), "secret=[redacted]") {
		t.Errorf("Caddy's log has no guest line with the env value redacted:\n%s", readFile(t, logFile))
	}

	// The replay reproduces the trap (exit code 1), and the request without
	// the input that traps does not (a copy of the record, edited).
	out, err := exec.Command("node", cli, "replay", files[0], wasm, "--env", "SECRET=local").CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "replay: trap (the recorded outcome)") || !strings.Contains(string(out), "secret=local") {
		t.Errorf("gojinn replay: exit %d, want 1 and the trap again:\n%s", code, out)
	}
	edited := filepath.Join(t.TempDir(), "edited.json")
	if err := os.WriteFile(edited, []byte(strings.Replace(raw, "mode=boom", "mode=calm", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command("node", cli, "replay", edited, wasm, "--env", "SECRET=local").CombinedOutput()
	if code := exitCode(err); code != 0 || !strings.Contains(string(out), "HTTP/1.1 200") {
		t.Errorf("gojinn replay of a request that does not trap: exit %d, want 0 and a 200:\n%s", code, out)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// Each failure outcome is recorded under its name; a success, an app
// default and a handler's `record_crashes off` behave as documented.
func TestCrashOutcomes(t *testing.T) {
	appDir := filepath.Join(t.TempDir(), "app")
	ownDir := filepath.Join(t.TempDir(), "own")
	tester, _ := kvServer(t, "\t\trecord_crashes "+appDir, fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /timeout {
		gojinn %s {
			timeout 200ms
		}
	}
	handle /fuel {
		gojinn %s {
			fuel_limit 100000
		}
	}
	handle /exit {
		gojinn %s
	}
	handle /ok {
		gojinn %s
	}
	handle /own {
		gojinn %s {
			name own
			record_crashes %s
		}
	}
	handle /off {
		gojinn %s {
			record_crashes off
		}
	}
}`, guestPath(t, "loop"), guestPath(t, "loop"), guestPath(t, "exit3"), guestPath(t, "ok"), guestPath(t, "trap"), ownDir, guestPath(t, "trap")))
	for path, status := range map[string]int{"/timeout": 504, "/fuel": 502, "/exit": 502, "/ok": 200, "/own": 502, "/off": 502} {
		if resp, _ := do(t, tester, newRequest(t, "GET", base+path, nil)); resp.StatusCode != status {
			t.Errorf("%s: got %d, want %d", path, resp.StatusCode, status)
		}
	}
	got := map[string]crashRecordFile{}
	for _, f := range crashFiles(t, appDir, 3) {
		r := readCrash(t, f)
		got[r.Request.URI] = r
	}
	if len(got) != 3 {
		t.Errorf("app default directory: records for %v, want /timeout, /fuel and /exit only", slices.Collect(mapsKeys(got)))
	}
	for uri, outcome := range map[string]string{"/timeout": "timeout", "/fuel": "fuel_exhausted", "/exit": "exit_error"} {
		if r := got[uri]; r.Outcome != outcome {
			t.Errorf("%s: recorded outcome %q, want %q", uri, r.Outcome, outcome)
		}
	}
	if r := got["/fuel"]; r.Limits.FuelLimit != 100000 || r.FuelUsed <= 100000 {
		t.Errorf("/fuel: limits.fuel_limit %d, fuel_used %d: want the limit and more than it used", r.Limits.FuelLimit, r.FuelUsed)
	}
	if r := got["/timeout"]; r.Limits.TimeoutMS != 200 {
		t.Errorf("/timeout: limits.timeout_ms %d, want 200", r.Limits.TimeoutMS)
	}
	own := crashFiles(t, ownDir, 1)
	if r := readCrash(t, own[0]); len(own) != 1 || r.Outcome != "trap" || r.Handler != "own" {
		t.Errorf("a handler's own record_crashes: %d records, first %+v", len(own), r)
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Retention removes the oldest records first, by count and by bytes.
func TestCrashRetention(t *testing.T) {
	countDir := filepath.Join(t.TempDir(), "count")
	bytesDir := filepath.Join(t.TempDir(), "bytes")
	trap := guestPath(t, "trap")
	tester, _ := server(t, fmt.Sprintf(`http://127.0.0.1:9080 {
	handle /count {
		gojinn %s {
			record_crashes %s {
				max_records 3
			}
		}
	}
	handle /bytes {
		gojinn %s {
			record_crashes %s {
				max_bytes 5KB
				record_body off
			}
		}
	}
}`, trap, countDir, trap, bytesDir))
	for i := range 6 {
		for _, path := range []string{"/count", "/bytes"} {
			resp, _ := do(t, tester, newRequest(t, "POST", fmt.Sprintf("%s%s?n=%d", base, path, i), strings.NewReader(strings.Repeat("x", 1000))))
			if resp.StatusCode != 502 {
				t.Fatalf("%s: got %d, want 502", path, resp.StatusCode)
			}
		}
	}
	// settled waits until dir's newest record is lastURI's and the
	// writer's retention has run (within caps): files vanish meanwhile.
	type kept struct {
		uris  []string
		bytes int64
		recs  []crashRecordFile
	}
	settled := func(dir, lastURI string, within func(kept) bool) kept {
		var k kept
		for range 100 {
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			slices.Sort(files)
			k = kept{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				var r crashRecordFile
				if err != nil || json.Unmarshal(b, &r) != nil {
					break
				}
				k.uris, k.bytes, k.recs = append(k.uris, r.Request.URI), k.bytes+int64(len(b)), append(k.recs, r)
			}
			if len(k.uris) == len(files) && len(files) > 0 && k.uris[len(files)-1] == lastURI && within(k) {
				return k
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: kept %v (%d bytes), want %s last and the caps held", dir, k.uris, k.bytes, lastURI)
		return k
	}
	k := settled(countDir, "/count?n=5", func(k kept) bool { return len(k.uris) <= 3 })
	if !slices.Equal(k.uris, []string{"/count?n=3", "/count?n=4", "/count?n=5"}) {
		t.Errorf("max_records 3: kept %v, want the newest three", k.uris)
	}
	status, list := adminGet(t, "/gojinn/crashes?limit=2")
	var newest []struct{ ID string }
	if err := json.Unmarshal([]byte(list), &newest); status != 200 || err != nil || len(newest) != 2 || newest[0].ID <= newest[1].ID {
		t.Errorf("GET /gojinn/crashes?limit=2: %d %s, want the two newest, newest first", status, list)
	}
	if status, _ := adminGet(t, "/gojinn/crashes?limit=0"); status != 400 {
		t.Errorf("GET /gojinn/crashes?limit=0: %d, want 400", status)
	}
	k = settled(bytesDir, "/bytes?n=5", func(k kept) bool { return k.bytes <= 5000 })
	for _, r := range k.recs {
		if r.BodyRecorded || r.Request.Body != "" || r.BodySize != 1000 {
			t.Errorf("record_body off: body_recorded %v, body %q, body_size %d", r.BodyRecorded, r.Request.Body, r.BodySize)
		}
	}
	if n := len(k.uris); n < 2 || n == 6 || !slices.Equal(k.uris, []string{"/bytes?n=0", "/bytes?n=1", "/bytes?n=2", "/bytes?n=3", "/bytes?n=4", "/bytes?n=5"}[6-n:]) {
		t.Errorf("max_bytes 5KB: kept %v (%d bytes), want the newest that fit", k.uris, k.bytes)
	}
}

// A record keeps the first 64 KiB of a larger body and says so.
func TestCrashBodyCap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "crashes")
	tester, _ := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\trecord_crashes %s\n\t}\n}", guestPath(t, "trap"), dir))
	body := strings.Repeat("y", 100<<10)
	if resp, _ := do(t, tester, newRequest(t, "POST", base+"/", strings.NewReader(body))); resp.StatusCode != 502 {
		t.Fatalf("got %d, want 502", resp.StatusCode)
	}
	r := readCrash(t, crashFiles(t, dir, 1)[0])
	if !r.BodyRecorded || !r.BodyTruncated || r.BodySize != len(body) || r.Request.Body != body[:64<<10] {
		t.Errorf("body_recorded %v, body_truncated %v, body_size %d, body of %d bytes: want the first 64 KiB of %d", r.BodyRecorded, r.BodyTruncated, r.BodySize, len(r.Request.Body), len(body))
	}
}

// A directory that cannot be one is refused at load, with the reason.
func TestCrashDirRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		g := &gojinn.Gojinn{Path: testguest.WAT(t, "ok"), CacheDir: "off", RecordCrashes: &gojinn.CrashRecording{Dir: dir}}
		err := g.Provision(caddy.Context{Context: context.Background()})
		_ = g.Cleanup()
		if err == nil || !strings.Contains(err.Error(), "record_crashes: creating "+dir) || !strings.Contains(err.Error(), "not a directory") {
			t.Errorf("record_crashes %s: err = %v, want one saying it is not a directory", dir, err)
		}
	}
}

// Bad record_crashes lines fail at adapt time, naming the file and line.
func TestCrashCaddyfileErrors(t *testing.T) {
	cases := []struct{ global, handler, want string }{
		{"", "record_crashes", "record_crashes takes one directory (or off), got 0 arguments"},
		{"", "record_crashes a b", "got 2 arguments"},
		{"", "record_crashes /c {\n\t\t\tmax_records 0\n\t\t}", "max_records must be greater than 0"},
		{"", "record_crashes /c {\n\t\t\tmax_bytes lots\n\t\t}", `max_bytes: "lots" is not a valid size`},
		{"", "record_crashes /c {\n\t\t\trecord_body maybe\n\t\t}", `record_body: want on or off, got "maybe"`},
		{"", "record_crashes /c {\n\t\t\tredact_header\n\t\t}", "redact_header needs at least one header name"},
		{"", "record_crashes /c {\n\t\t\tredact_query\n\t\t}", "redact_query needs at least one query parameter"},
		{"", "record_crashes /c {\n\t\t\tmax_records 1\n\t\t\tmax_records 2\n\t\t}", "max_records is given twice"},
		{"", "record_crashes /c {\n\t\t\tnope\n\t\t}", `unknown option "nope"`},
		{"", "record_crashes off {\n\t\t\tmax_records 2\n\t\t}", "record_crashes off takes no block"},
		{"", "record_crashes /a\n\t\trecord_crashes /b", "record_crashes is given twice"},
		{"record_crashes", "", "record_crashes takes one directory"},
		{"record_crashes /a {\n\t\t\tmax_records x\n\t\t}", "", `max_records: "x" is not a whole number`},
		{"record_crashes /a\n\t\trecord_crashes /b", "", "record_crashes is given twice"},
	}
	for _, tc := range cases {
		cfg := ":8080 {\n\tgojinn app.wasm {\n\t\t" + tc.handler + "\n\t}\n}\n"
		if tc.global != "" {
			cfg = "{\n\tgojinn {\n\t\t" + tc.global + "\n\t}\n}\n:8080 {\n\trespond ok\n}\n"
		}
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.global, tc.handler, err, tc.want)
		}
	}
}

// A record that cannot be written is counted, and logged once.
func TestCrashWriteFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "crashes")
	tester, logFile := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tname crash-wf\n\t\trecord_crashes %s\n\t}\n}", guestPath(t, "trap"), dir))
	count := func(result string) float64 {
		m := find(scrape(t), "gojinn_crash_records_total", "result", result)
		if m == nil || labels(m)["handler"] != "crash-wf" {
			return 0
		}
		return m.GetCounter().GetValue()
	}
	do(t, tester, newRequest(t, "GET", base+"/", nil))
	crashFiles(t, dir, 1)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		do(t, tester, newRequest(t, "GET", base+"/", nil))
	}
	waitForMetric(t, "3 failed crash records", func(families) bool { return count("failed") == 3 })
	if w := count("written"); w != 1 {
		t.Errorf("gojinn_crash_records_total{result=written} = %v, want 1", w)
	}
	if n := len(filterLog(logEntries(t, logFile, "http.handlers.gojinn"), "writing a crash record failed")); n != 1 {
		t.Errorf("%d log entries for the failed writes, want 1", n)
	}
}

func filterLog(entries []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, e := range entries {
		if e["msg"] == msg || strings.HasPrefix(fmt.Sprint(e["msg"]), msg) {
			out = append(out, e)
		}
	}
	return out
}

// A triggered function's failed run (Invoke: a job, a tick, a message) is
// recorded like a request's, under the function's name.
func TestCrashRecordedByInvoke(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "crashes")
	g := &gojinn.Gojinn{Path: testguest.WAT(t, "trap"), Name: "queue:orders", CacheDir: "off", RecordCrashes: &gojinn.CrashRecording{Dir: dir}}
	if err := g.Provision(caddy.Context{Context: context.Background()}); err != nil {
		t.Fatal(err)
	}
	defer g.Cleanup()
	inv := g.Invoke(context.Background(), &sandbox.Request{Method: "POST", URI: "/queue/orders", Body: []byte("job"), TraceID: "t1"})
	if inv.Outcome != sandbox.OutcomeTrap {
		t.Fatalf("outcome %s, want trap", inv.Outcome)
	}
	r := readCrash(t, crashFiles(t, dir, 1)[0])
	if r.Handler != "queue:orders" || r.Outcome != "trap" || r.Request.URI != "/queue/orders" || r.Request.Body != "job" || !strings.Contains(r.ID, "-queue_orders-") {
		t.Errorf("record %+v", r)
	}
}

// A failure's reason quoting the guest's output (a contract error) never
// shows an env value: not in the record, not in Caddy's log.
func TestCrashReasonRedacted(t *testing.T) {
	const secret = "reason-s3cret-8812"
	dir := filepath.Join(t.TempDir(), "crashes")
	tester, logFile := server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tenv OUT %s\n\t\trecord_crashes %s\n\t}\n}", guestPath(t, "envout"), secret, dir))
	if resp, _ := do(t, tester, newRequest(t, "GET", base+"/", nil)); resp.StatusCode != 502 {
		t.Fatalf("got %d, want 502", resp.StatusCode)
	}
	raw := readFile(t, crashFiles(t, dir, 1)[0])
	r := readCrash(t, crashFiles(t, dir, 1)[0])
	if r.Outcome != "contract_error" || !strings.Contains(r.Reason, "[redacted]") {
		t.Errorf("outcome %q, reason %q: want contract_error, its quote of stdout redacted", r.Outcome, r.Reason)
	}
	waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool { return e["msg"] == "guest failed" })
	for what, text := range map[string]string{"record": raw, "caddy log": readFile(t, logFile)} {
		if strings.Contains(text, secret) {
			t.Errorf("%s contains the env value", what)
		}
	}
}

// Records left in the directory by an earlier process are listed and
// served; other files there are not.
func TestCrashListsEarlierRecords(t *testing.T) {
	dir := t.TempDir()
	const id = "20200101T000000.000000001Z-old-0badcafe"
	old := `{"id":"` + id + `","time":"2020-01-01T00:00:00.000000001Z","handler":"old","module":"/srv/old.wasm","module_sha256":"ab","outcome":"timeout","reason":"r"}`
	for name, data := range map[string]string{id + ".json": old, "notes.json": "{}", ".tmp-123": "{}"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	server(t, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\trecord_crashes %s\n\t}\n}", guestPath(t, "ok"), dir))
	status, list := adminGet(t, "/gojinn/crashes")
	var got []struct{ ID, Handler, Outcome, Replay string }
	if err := json.Unmarshal([]byte(list), &got); status != 200 || err != nil {
		t.Fatalf("GET /gojinn/crashes: %d %s", status, list)
	}
	var found bool
	for _, s := range got {
		found = found || s.ID == id && s.Handler == "old" && s.Outcome == "timeout" && s.Replay == "gojinn replay "+filepath.Join(dir, id+".json")+" /srv/old.wasm"
		if s.ID == "" || strings.Contains(s.ID, "notes") {
			t.Errorf("listed %+v", s)
		}
	}
	if !found {
		t.Errorf("GET /gojinn/crashes: %s, want the earlier record %s", list, id)
	}
	if status, one := adminGet(t, "/gojinn/crashes/"+id); status != 200 || strings.TrimSpace(one) != old {
		t.Errorf("GET /gojinn/crashes/%s: %d %s", id, status, one)
	}
}

// A guest that fails on its data (a row of a SQLite database and an
// object) is recorded through Caddy with its sql and objects grants,
// names only; `gojinn replay --db main=<Caddy's file> --objects
// media=<dir>` reproduces the trap, and without the data it does not.
func TestCrashReplayWithData(t *testing.T) {
	cli := filepath.Join(testguest.Root(), "sdk-ts", "bin", "gojinn")
	dataDir := stateDir(t)
	file := filepath.Join(dataDir, "app.db")
	db, err := sqlite3.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("CREATE TABLE flags (boom INTEGER, note TEXT); INSERT INTO flags VALUES (1, 'armed')"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t, "media")
	t.Setenv("GOJINN_TEST_S3_ACCESS", s3test.AccessKey)
	t.Setenv("GOJINN_TEST_S3_SECRET", s3test.SecretKey)
	seed, err := objstore.New(objstore.Config{Endpoint: srv.URL, Bucket: "media", AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Put(context.Background(), "flags/boom", []byte("1"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "crashes")
	wasm := testguest.WAT(t, "crash-data")
	tester, _ := kvServer(t, fmt.Sprintf("\t\tdata_dir %s\n\t\tdatabase main sqlite app.db\n", dataDir)+objectsGlobals("media", srv.URL, "GOJINN_TEST_S3_SECRET", ""),
		fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn %s {
		sql main read
		objects media read prefix flags/
		record_crashes %s
	}
}`, wasm, dir))
	if resp, body := do(t, tester, newRequest(t, "GET", base+"/", nil)); resp.StatusCode != 502 {
		t.Fatalf("the armed flag: got %d %q, want 502", resp.StatusCode, body)
	}
	files := crashFiles(t, dir, 1)
	raw := readFile(t, files[0])
	var rec struct {
		Grants map[string]json.RawMessage `json:"grants"`
	}
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, name := range []string{"sql", "objects"} {
		if err := json.Compact(&got, rec.Grants[name]); err != nil {
			t.Fatalf("grants.%s: %v", name, err)
		}
	}
	if got.String() != `{"main":"read"}{"media":{"access":"read","prefix":"flags/"}}` {
		t.Errorf("recorded sql and objects grants: %s", got.String())
	}
	for _, secret := range []string{s3test.SecretKey, s3test.AccessKey, srv.URL, file} {
		if strings.Contains(raw, secret) {
			t.Errorf("the record contains %q:\n%s", secret, raw)
		}
	}

	objects := t.TempDir()
	if err := os.MkdirAll(filepath.Join(objects, "flags"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(objects, "flags", "boom"), []byte("1"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, file)
	out, err := exec.Command("node", cli, "replay", files[0], wasm, "--db", "main="+file, "--objects", "media="+objects).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(out), "replay: trap (the recorded outcome)") {
		t.Errorf("gojinn replay with the data: exit %d, want 1 and the trap again:\n%s", code, out)
	}
	if fileSum(t, file) != before {
		t.Error("the replay changed the database's file")
	}
	out, err = exec.Command("node", cli, "replay", files[0], wasm, "--objects", "media="+objects).CombinedOutput()
	if code := exitCode(err); code != 0 || !strings.Contains(string(out), "calm") || !strings.Contains(string(out), "database main starts empty") {
		t.Errorf("gojinn replay without the database: exit %d, want 0, calm and a note:\n%s", code, out)
	}
}
