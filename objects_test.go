package gojinn_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/s3test"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/objstore"
)

// The object storage tests run testdata/guests/objects-do.wat: each
// request's body (hex) is one object_* call, the answer (hex) its status,
// head and body; see the guest's comment.

// The ops of objects-do.
const (
	opGet byte = iota
	opHead
	opPut
	opDelete
	opList
)

// objectResult is what objects-do answered.
type objectResult struct {
	status     host.Status
	head, body string
}

// objectRequest is the request body of objects-do for one call.
func objectRequest(op byte, req string, body []byte) string {
	in := append([]byte{op}, binary.LittleEndian.AppendUint32(nil, uint32(len(req)))...)
	return hex.EncodeToString(append(append(in, req...), body...))
}

// objectCall makes one call through the handler at path.
func objectCall(t *testing.T, tester *caddytest.Tester, path string, op byte, req string, body []byte) objectResult {
	t.Helper()
	resp, got := do(t, tester, newRequest(t, "POST", base+path, strings.NewReader(objectRequest(op, req, body))))
	out, err := hex.DecodeString(got)
	if resp.StatusCode != 200 || err != nil || len(out) < 12 {
		t.Fatalf("%s: %d %q", path, resp.StatusCode, got)
	}
	var r objectResult
	r.status = host.Status(binary.LittleEndian.Uint32(out))
	headLen := binary.LittleEndian.Uint32(out[4:])
	r.head = string(out[8 : 8+headLen])
	rest := out[8+headLen:]
	r.body = string(rest[4 : 4+binary.LittleEndian.Uint32(rest)])
	return r
}

// objectsGlobals is an object_store block of the test endpoint; extra
// lines are added to it.
func objectsGlobals(name, endpoint, secretEnv, extra string) string {
	return fmt.Sprintf(`		object_store %s s3 {
			endpoint %s
			region us-east-1
			bucket media
			access_key {env.GOJINN_TEST_S3_ACCESS}
			secret_key {env.%s}
			path_style%s
		}
`, name, endpoint, secretEnv, extra)
}

// wrongSecret is a secret the endpoint refuses.
const wrongSecret = "wrong-secret-key-9876543210-zyxw"

// closedEndpoint is an http URL on 127.0.0.1 where nothing listens.
func closedEndpoint(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

// stalledEndpoint answers no request: each waits until the client gives
// up, which closes cancelled once.
func stalledEndpoint(t *testing.T) (string, chan struct{}) {
	cancelled := make(chan struct{})
	var once sync.Once
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			once.Do(func() { close(cancelled) })
		case <-time.After(60 * time.Second):
		}
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), cancelled
}

// TestObjects drives every object_* function through a real Caddy to a
// real S3 endpoint (gofakes3 behind a SigV4 check), with each kind of
// grant, and the failures: too large, absent, endpoint down, wrong
// secret (logged once, the secret nowhere), and a slow endpoint cut by
// the run's timeout.
func TestObjects(t *testing.T) {
	srv := s3test.Start(t, "media")
	slow, cancelled := stalledEndpoint(t)
	t.Setenv("GOJINN_TEST_S3_ACCESS", s3test.AccessKey)
	t.Setenv("GOJINN_TEST_S3_SECRET", s3test.SecretKey)
	t.Setenv("GOJINN_TEST_S3_WRONG", wrongSecret)
	crashDir := filepath.Join(t.TempDir(), "crashes")
	wasm := testguest.WAT(t, "objects-do")
	block := objectsGlobals("media", srv.URL, "GOJINN_TEST_S3_SECRET", "\n\t\t\tmax_object 64KiB") +
		objectsGlobals("small", srv.URL, "GOJINN_TEST_S3_SECRET", "\n\t\t\tmax_object 8") +
		objectsGlobals("wrong", srv.URL, "GOJINN_TEST_S3_WRONG", "") +
		objectsGlobals("down", closedEndpoint(t), "GOJINN_TEST_S3_SECRET", "") +
		objectsGlobals("slow", slow, "GOJINN_TEST_S3_SECRET", "")
	route := func(path, lines string) string {
		return fmt.Sprintf("\thandle %s {\n\t\tgojinn %s {\n\t\t\tname obj%s\n%s\t\t}\n\t}\n", path, wasm, strings.ReplaceAll(path, "/", "-"), lines)
	}
	site := "http://127.0.0.1:9080 {\n" +
		route("/rw", "\t\t\tobjects media\n") +
		route("/ro", "\t\t\tobjects media read\n") +
		route("/pre", "\t\t\tobjects media readwrite prefix u/1/\n") +
		route("/none", "") +
		route("/small", "\t\t\tobjects small\n") +
		route("/wrong", "\t\t\tobjects wrong\n") +
		route("/down", "\t\t\tobjects down\n") +
		route("/slow", "\t\t\tobjects slow\n\t\t\ttimeout 1s\n\t\t\trecord_crashes "+crashDir+"\n") +
		fmt.Sprintf("\thandle /noimport {\n\t\tgojinn %s {\n\t\t\tobjects media\n\t\t}\n\t}\n}\n", guestPath(t, "ok"))
	tester, logFile := kvServer(t, block, site)
	// The load checked the blocks without a request (the down one loaded).
	if n := srv.Requests.Load(); n != 0 {
		t.Errorf("loading the config sent %d requests to the endpoint, want none", n)
	}
	call := func(path string, op byte, req string, body string) objectResult {
		t.Helper()
		return objectCall(t, tester, path, op, req, []byte(body))
	}
	expect := func(what string, got objectResult, want host.Status) {
		t.Helper()
		if got.status != want {
			t.Errorf("%s: %s, want %s", what, got.status, want)
		}
	}

	// The round trip, with a content type and the default one.
	expect("put", call("/rw", opPut, `{"store":"media","key":"u/1/a.txt","content_type":"text/plain"}`, "hello"), host.StatusOK)
	got := call("/rw", opGet, `{"store":"media","key":"u/1/a.txt"}`, "")
	var head struct {
		Size         int64  `json:"size"`
		ContentType  string `json:"content_type"`
		ETag         string `json:"etag"`
		LastModified string `json:"last_modified"`
	}
	if err := json.Unmarshal([]byte(got.head), &head); err != nil || got.status != host.StatusOK || got.body != "hello" ||
		head.Size != 5 || head.ContentType != "text/plain" || !strings.HasPrefix(head.ETag, `"`) {
		t.Fatalf("get: %+v (%v), want hello with its head", got, err)
	}
	if lm, err := time.Parse(time.RFC3339, head.LastModified); err != nil || time.Since(lm) > time.Minute {
		t.Errorf("last_modified %q", head.LastModified)
	}
	if h := call("/rw", opHead, `{"store":"media","key":"u/1/a.txt"}`, ""); h.status != host.StatusOK || h.head != got.head || h.body != "" {
		t.Errorf("head: %+v, want the get's head %s and no body", h, got.head)
	}
	expect("put without a content type", call("/rw", opPut, `{"store":"media","key":"u/1/b.bin"}`, "\x00\x01"), host.StatusOK)
	if h := call("/rw", opHead, `{"store":"media","key":"u/1/b.bin"}`, ""); !strings.Contains(h.head, `"size":2,"content_type":"application/octet-stream"`) {
		t.Errorf("default content type: %+v", h)
	}
	expect("put of an empty object", call("/rw", opPut, `{"store":"media","key":"empty"}`, ""), host.StatusOK)
	if e := call("/rw", opGet, `{"store":"media","key":"empty"}`, ""); e.status != host.StatusOK || e.body != "" || !strings.HasPrefix(e.head, `{"size":0,`) {
		t.Errorf("get of an empty object: %+v", e)
	}
	list := call("/rw", opList, `{"store":"media","prefix":"u/1/"}`, "")
	etag, _ := json.Marshal(head.ETag)
	if list.status != host.StatusOK || list.head != "" ||
		!strings.HasPrefix(list.body, `{"objects":[{"key":"u/1/a.txt","size":5,"etag":`+string(etag)+`,"last_modified":"`+head.LastModified+`"}`) ||
		!strings.HasSuffix(list.body, `}],"more":false}`) || strings.Count(list.body, `"key"`) != 2 {
		t.Errorf("list: %+v", list)
	}
	expect("delete", call("/rw", opDelete, `{"store":"media","key":"u/1/b.bin"}`, ""), host.StatusOK)
	expect("delete of an absent object", call("/rw", opDelete, `{"store":"media","key":"u/1/b.bin"}`, ""), host.StatusOK)
	expect("get after delete", call("/rw", opGet, `{"store":"media","key":"u/1/b.bin"}`, ""), host.StatusNotFound)
	expect("head of an absent object", call("/rw", opHead, `{"store":"media","key":"nothing"}`, ""), host.StatusNotFound)

	t.Run("pages", func(t *testing.T) {
		seed, err := objstore.New(objstore.Config{Endpoint: srv.URL, Bucket: "media", AccessKey: s3test.AccessKey, SecretKey: s3test.SecretKey, PathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 105 {
			if err := seed.Put(context.Background(), fmt.Sprintf("many/%03d", i), []byte("x"), ""); err != nil {
				t.Fatal(err)
			}
		}
		type page struct {
			Objects []struct{ Key string } `json:"objects"`
			More    bool                   `json:"more"`
		}
		read := func(req string) page {
			t.Helper()
			r := call("/rw", opList, req, "")
			var p page
			if err := json.Unmarshal([]byte(r.body), &p); err != nil || r.status != host.StatusOK {
				t.Fatalf("list %s: %+v %v", req, r, err)
			}
			return p
		}
		first := read(`{"store":"media","prefix":"many/"}`)
		if len(first.Objects) != 100 || !first.More || first.Objects[0].Key != "many/000" || first.Objects[99].Key != "many/099" {
			t.Errorf("default page: %d objects, more %v", len(first.Objects), first.More)
		}
		second := read(`{"store":"media","prefix":"many/","after":"many/099"}`)
		if len(second.Objects) != 5 || second.More || second.Objects[0].Key != "many/100" {
			t.Errorf("second page: %+v", second)
		}
		if p := read(`{"store":"media","prefix":"many/","after":"many/101","limit":2}`); len(p.Objects) != 2 || !p.More || p.Objects[1].Key != "many/103" {
			t.Errorf("limit 2: %+v", p)
		}
		expect("limit 0", call("/rw", opList, `{"store":"media","limit":0}`, ""), host.StatusInvalid)
		expect("limit 1001", call("/rw", opList, `{"store":"media","limit":1001}`, ""), host.StatusInvalid)
	})

	t.Run("grants", func(t *testing.T) {
		expect("prefix grant, key inside", call("/pre", opPut, `{"store":"media","key":"u/1/c"}`, "c"), host.StatusOK)
		expect("prefix grant, key outside", call("/pre", opGet, `{"store":"media","key":"u/2/x"}`, ""), host.StatusDenied)
		expect("prefix grant, put outside", call("/pre", opPut, `{"store":"media","key":"u/10"}`, "x"), host.StatusDenied)
		expect("prefix grant, list prefix inside", call("/pre", opList, `{"store":"media","prefix":"u/1/"}`, ""), host.StatusOK)
		expect("prefix grant, list prefix outside", call("/pre", opList, `{"store":"media","prefix":"u/"}`, ""), host.StatusDenied)
		expect("prefix grant, list of everything", call("/pre", opList, `{"store":"media"}`, ""), host.StatusDenied)
		expect("a .. segment under the prefix", call("/pre", opGet, `{"store":"media","key":"u/1/../2/x"}`, ""), host.StatusInvalid)
		expect("a .. segment", call("/rw", opGet, `{"store":"media","key":"a/../b"}`, ""), host.StatusInvalid)
		expect("a . segment", call("/rw", opPut, `{"store":"media","key":"./a"}`, "x"), host.StatusInvalid)
		expect("an empty key", call("/rw", opGet, `{"store":"media","key":""}`, ""), host.StatusInvalid)
		expect("malformed request", call("/rw", opGet, `{"store":"media","key":`, ""), host.StatusInvalid)
		expect("read grant, get", call("/ro", opGet, `{"store":"media","key":"u/1/a.txt"}`, ""), host.StatusOK)
		expect("read grant, put", call("/ro", opPut, `{"store":"media","key":"u/1/a.txt"}`, "x"), host.StatusDenied)
		expect("read grant, delete", call("/ro", opDelete, `{"store":"media","key":"u/1/a.txt"}`, ""), host.StatusDenied)
		expect("no grant", call("/none", opGet, `{"store":"media","key":"u/1/a.txt"}`, ""), host.StatusDenied)
		expect("another store", call("/rw", opGet, `{"store":"small","key":"u/1/a.txt"}`, ""), host.StatusDenied)
		if got := call("/rw", opGet, `{"store":"media","key":"u/1/a.txt"}`, ""); got.body != "hello" {
			t.Errorf("the denied put and delete changed the object: %+v", got)
		}
	})

	t.Run("failures", func(t *testing.T) {
		expect("put over max_object", call("/small", opPut, `{"store":"small","key":"nine"}`, "123456789"), host.StatusTooLarge)
		expect("put of max_object", call("/small", opPut, `{"store":"small","key":"eight"}`, "12345678"), host.StatusOK)
		expect("get under max_object", call("/small", opGet, `{"store":"small","key":"u/1/a.txt"}`, ""), host.StatusOK)
		expect("put a big one", call("/rw", opPut, `{"store":"media","key":"big"}`, "123456789"), host.StatusOK)
		expect("get over max_object", call("/small", opGet, `{"store":"small","key":"big"}`, ""), host.StatusTooLarge)
		expect("endpoint down", call("/down", opGet, `{"store":"down","key":"a"}`, ""), host.StatusUnavailable)
		expect("wrong secret", call("/wrong", opGet, `{"store":"wrong","key":"u/1/a.txt"}`, ""), host.StatusIOError)
		lines := waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool { return e["code"] == "SignatureDoesNotMatch" })
		if lines["store"] != "wrong" || lines["op"] != "get" {
			t.Errorf("the wrong secret's log line: %v, want the store and op", lines)
		}
		n := 0
		for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
			if e["code"] == "SignatureDoesNotMatch" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d log lines for one refused call, want 1", n)
		}

		start := time.Now()
		resp, _ := do(t, tester, newRequest(t, "POST", base+"/slow", strings.NewReader(objectRequest(opGet, `{"store":"slow","key":"abc"}`, nil))))
		if resp.StatusCode != 504 {
			t.Errorf("slow endpoint: %d, want 504 (the handler's timeout)", resp.StatusCode)
		}
		if d := time.Since(start); d > 10*time.Second { // timeout 1s: a sanity bound, 10x
			t.Errorf("slow endpoint took %v", d)
		}
		select {
		case <-cancelled:
		case <-time.After(10 * time.Second):
			t.Error("the slow request was not cancelled")
		}
	})

	// A module importing nothing of gojinn is warned that its grant is
	// unused.
	waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		msg, _ := e["msg"].(string)
		return strings.Contains(msg, "imports nothing from gojinn") && strings.Contains(msg, "objects")
	})
	// The secrets are nowhere: not in Caddy's log, the crash record of
	// the timed-out run, the handlers' view or the served config.
	places := map[string]string{"Caddy's log": readFile(t, logFile)}
	for _, f := range crashFiles(t, crashDir, 1) {
		places[f] = readFile(t, f)
	}
	for _, path := range []string{"/gojinn/handlers", "/gojinn/crashes", "/config/"} {
		status, body := adminGet(t, path)
		if status != 200 {
			t.Errorf("GET %s: %d", path, status)
		}
		places[path] = body
	}
	if !strings.Contains(places["/config/"], "{env.GOJINN_TEST_S3_SECRET}") {
		t.Error("the served config lacks the secret's placeholder")
	}
	for where, text := range places {
		for _, secret := range []string{s3test.SecretKey, wrongSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows a secret key", where)
			}
		}
	}
}

// A grant naming a store the app lacks, or a store whose endpoint is not
// an http(s) URL, fails the load, saying so.
func TestObjectsLoadErrors(t *testing.T) {
	wasm := testguest.WAT(t, "objects-do")
	for app, want := range map[string]string{
		`{}`: `objects: the gojinn app has no object_store \"media\"`,
		`{"object_stores": {"media": {"endpoint": "ftp://127.0.0.1", "bucket": "media"}}}`:      `object_store media: endpoint \"ftp://127.0.0.1\" is not an http or https URL`,
		`{"object_stores": {"media": {"endpoint": "http://127.0.0.1:1", "bucket": "Media_1"}}}`: `object_store media: bucket \"Media_1\"`,
	} {
		cfg := fmt.Sprintf(`{"admin": {"listen": "localhost:2999"}, "apps": {"gojinn": %s,
			"http": {"servers": {"s": {"listen": ["127.0.0.1:9080"],
			"routes": [{"handle": [{"handler": "gojinn", "path": %q, "objects": [{"store": "media"}]}]}]}}}}}`, app, wasm)
		caddytest.AssertLoadError(t, cfg, "json", want)
	}
}

// Bad object_store blocks and objects grants fail at adapt time, naming
// the file and line.
func TestObjectsCaddyfileErrors(t *testing.T) {
	store := func(body string) string {
		return "object_store media s3 {\n\t\t\t" + body + "\n\t\t}"
	}
	const ok = "endpoint http://127.0.0.1:9000\n\t\t\tbucket media"
	cases := []struct{ global, handler, want string }{
		{"object_store media", "", `object_store takes a name and the type s3, then a block, got ["media"]`},
		{"object_store media gcs {\n\t\t}", "", `object_store takes a name and the type s3`},
		{"object_store me.dia s3 {\n\t\t}", "", `object_store: "me.dia" is not a valid name`},
		{store(ok) + "\n\t\t" + store(ok), "", "object_store media is given twice, at /etc/caddy/Caddyfile:7"},
		{store("bucket media"), "", "object_store media: endpoint is required"},
		{store("endpoint http://127.0.0.1:9000"), "", "object_store media: bucket is required"},
		{store(ok + "\n\t\t\tbucket other"), "", "object_store media: bucket is given twice, at /etc/caddy/Caddyfile:6"},
		{store("endpoint ftp://x\n\t\t\tbucket media"), "", `object_store media: endpoint "ftp://x" is not an http or https URL with a host and no path, at /etc/caddy/Caddyfile:4`},
		{store("endpoint https://x/base\n\t\t\tbucket media"), "", `with a host and no path`},
		{store(ok + "\n\t\t\tpath_style yes"), "", `path_style takes no argument, got "yes"`},
		{store(ok + "\n\t\t\tmax_object lots"), "", `max_object: "lots" is not a valid size`},
		{store(ok + "\n\t\t\ttimeout 0s"), "", `timeout must be greater than 0`},
		{store(ok + "\n\t\t\tsecret"), "", `object_store media: unknown option "secret"`},
		{"", "objects", "objects takes a store name"},
		{"", "objects me.dia", `objects: "me.dia" is not a valid store name`},
		{"", "objects media\n\t\tobjects media read", "objects media is given twice, at /etc/caddy/Caddyfile:4"},
		{"", "objects media write", `objects media: unexpected ["write"]`},
		{"", "objects media read prefix", `objects media: unexpected ["prefix"]`},
		{"", "objects media prefix u/../v/", `objects media: prefix "u/../v/" is not a valid key prefix`},
		{"", "objects media prefix a b", `unexpected ["prefix" "a" "b"]`},
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
	// A good block adapts to the app's JSON, the grant to the handler's.
	cfg := "{\n\tgojinn {\n\t\t" + store(ok+"\n\t\t\tregion auto\n\t\t\taccess_key {env.K}\n\t\t\tsecret_key {env.S}\n\t\t\tpath_style\n\t\t\tmax_object 1MiB\n\t\t\ttimeout 5s") +
		"\n\t}\n}\n:8080 {\n\tgojinn app.wasm {\n\t\tobjects media read prefix u/1/\n\t}\n}\n"
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"object_stores":{"media":{"endpoint":"http://127.0.0.1:9000","region":"auto","bucket":"media","access_key":"{env.K}","secret_key":"{env.S}","path_style":true,"max_object":1048576,"timeout":5000000000}}`,
		`"objects":[{"prefix":"u/1/","read_only":true,"store":"media"}]`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("adapted config lacks %s:\n%s", want, out)
		}
	}
}
