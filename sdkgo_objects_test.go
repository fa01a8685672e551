package gojinn_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/s3test"
	"github.com/gojinn/gojinn/internal/testguest"
)

// TestSDKGoObjects runs testdata/guests/sdkgo-objects (gojinn.Objects:
// every method) through a real Caddy against the S3 endpoint of
// internal/s3test, with the store granted read-write, read only, under a
// prefix, and not granted.
func TestSDKGoObjects(t *testing.T) {
	srv := s3test.Start(t, "media")
	wasm := testguest.Go(t, "sdkgo-objects")
	route := func(path, extra string) string {
		return fmt.Sprintf("\thandle_path %s/* {\n\t\tgojinn %s {\n\t\t\tpool_size 2\n%s\t\t}\n\t}\n", path, wasm, extra)
	}
	block := fmt.Sprintf("\t\tobject_store media s3 {\n\t\t\tendpoint %s\n\t\t\tregion %s\n\t\t\tbucket media\n\t\t\taccess_key %s\n\t\t\tsecret_key %s\n\t\t\tpath_style\n\t\t\tmax_object 256KB\n\t\t}",
		srv.URL, s3test.Region, s3test.AccessKey, s3test.SecretKey)
	tester, _ := kvServer(t, block, "http://127.0.0.1:9080 {\n"+
		route("/rw", "\t\t\tobjects media\n")+
		route("/ro", "\t\t\tobjects media read\n")+
		route("/u1", "\t\t\tobjects media prefix u/1/\n")+
		route("/denied", "\t\t\tenv OBJ_STORE other\n\t\t\tobjects media\n")+
		"}")
	send := func(method, path, contentType string, body []byte) (*http.Response, []byte) {
		t.Helper()
		req := newRequest(t, method, base+path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, got := do(t, tester, req)
		return resp, []byte(got)
	}
	check := func(method, path string, body []byte, wantStatus int, want string) {
		t.Helper()
		resp, got := send(method, path, "", body)
		if resp.StatusCode != wantStatus || !strings.Contains(string(got), want) {
			t.Errorf("%s %s: got %d %q, want %d containing %q", method, path, resp.StatusCode, got, wantStatus, want)
		}
	}

	// Put then get, bytes exact: binary, and far larger than any first
	// buffer; the content type, size, ETag and time come back.
	large := bytes.Repeat([]byte("\x00\xff0123456789abcdef"), 200_000/18)
	before := time.Now().Add(-time.Minute)
	for key, value := range map[string][]byte{"u/1/avatar.png": []byte("\x89PNG\r\n\x1a\n\x00\xff"), "big.bin": large, "one": {'1'}} {
		if resp, got := send("PUT", "/rw/o/"+key, "image/png", value); resp.StatusCode != 204 {
			t.Fatalf("PUT %s: %d %q", key, resp.StatusCode, got)
		}
		resp, got := send("GET", "/rw/o/"+key, "", nil)
		if resp.StatusCode != 200 || !bytes.Equal(got, value) || resp.Header.Get("Content-Type") != "image/png" ||
			resp.Header.Get("X-Size") != fmt.Sprint(len(value)) || !strings.HasPrefix(resp.Header.Get("ETag"), `"`) {
			t.Errorf("GET %s: %d, %d bytes, headers %v; want the %d bytes PUT as image/png", key, resp.StatusCode, len(got), resp.Header, len(value))
		}
		if lm, err := time.Parse(time.RFC3339, resp.Header.Get("X-Last-Modified")); err != nil || lm.Before(before) || lm.After(time.Now().Add(time.Minute)) {
			t.Errorf("GET %s: last modified %q (%v), want about now", key, resp.Header.Get("X-Last-Modified"), err)
		}
	}
	// Without a content type the store keeps application/octet-stream.
	check("PUT", "/rw/o/plain", []byte("x"), 204, "")
	check("GET", "/rw/head/plain", nil, 200, `"content_type":"application/octet-stream"`)

	// Head: the metadata, no body.
	resp, got := send("GET", "/rw/head/big.bin", "", nil)
	var head struct {
		Key, ContentType, ETag string
		Size                   int64
		Body                   []byte
	}
	if err := json.Unmarshal(got, &head); resp.StatusCode != 200 || err != nil || head.Key != "big.bin" || head.Size != int64(len(large)) || head.Body != nil {
		t.Errorf("HEAD big.bin: %d %s (%v)", resp.StatusCode, got, err)
	}

	// Absent objects: get and head are not_found; delete is not an error.
	check("GET", "/rw/o/missing", nil, 404, `gojinn: objects get media "missing": not_found`)
	check("GET", "/rw/head/missing", nil, 404, "not_found")
	check("DELETE", "/rw/o/missing", nil, 204, "")
	check("DELETE", "/rw/o/one", nil, 204, "")
	check("GET", "/rw/o/one", nil, 404, "not_found")

	// Over max_object (256KB): too_large; a key over 1,024 bytes: invalid.
	check("PUT", "/rw/o/huge", make([]byte, 300_000), 413, `gojinn: objects put media "huge": too_large`)
	check("GET", "/rw/o/"+strings.Repeat("k", 1025), nil, 400, "invalid")

	// Listing: 25 keys under a prefix, 10 a page: three pages in key order,
	// More on the first two.
	var keys []string
	for i := range 25 {
		k := fmt.Sprintf("list/%02d", i)
		keys = append(keys, k)
		check("PUT", "/rw/o/"+k, []byte{byte(i)}, 204, "")
	}
	_, got = send("GET", "/rw/all?prefix=list/&limit=10", "", nil)
	var all struct {
		Keys  []string
		Pages int
	}
	if err := json.Unmarshal(got, &all); err != nil || !slices.Equal(all.Keys, keys) || all.Pages != 3 {
		t.Errorf("all under list/: %s (%v), want the 25 keys in 3 pages", got, err)
	}
	_, got = send("GET", "/rw/list?prefix=list/&after=list/20&limit=3", "", nil)
	var page struct {
		Objects []struct {
			Key  string
			Size int64
			ETag string
		}
		More bool
	}
	if err := json.Unmarshal(got, &page); err != nil || len(page.Objects) != 3 || page.Objects[0].Key != "list/21" || page.Objects[0].Size != 1 || page.Objects[0].ETag == "" || !page.More {
		t.Errorf("page after list/20: %s (%v)", got, err)
	}
	check("GET", "/rw/list?limit=1001", nil, 400, "invalid")

	// Read only: reads work, writes are denied.
	check("GET", "/ro/o/plain", nil, 200, "x")
	check("PUT", "/ro/o/plain", []byte("y"), 403, `gojinn: objects put media "plain": denied`)
	check("DELETE", "/ro/o/plain", nil, 403, "denied")
	// Under a prefix: keys and lists outside it are denied.
	check("GET", "/u1/o/u/1/avatar.png", nil, 200, "PNG")
	check("GET", "/u1/o/plain", nil, 403, "denied")
	check("GET", "/u1/all?prefix=list/", nil, 403, "denied")
	check("GET", "/u1/all?prefix=u/1/", nil, 200, `"keys":["u/1/avatar.png"]`)
	// A store the handler was not granted.
	check("GET", "/denied/o/plain", nil, 403, `gojinn: objects get other "plain": denied`)

	// Delete, then the object is gone from the bucket itself.
	check("DELETE", "/rw/o/plain", nil, 204, "")
	if _, err := srv.Backend.HeadObject("media", "plain"); err == nil {
		t.Error("plain is still in the bucket after DELETE")
	}
}
