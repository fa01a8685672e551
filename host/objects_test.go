package host_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/host"
)

// Keys: 1 to 1,024 bytes of UTF-8, no "." or ".." segment; other dots,
// empty segments and any other character are fine.
func TestCheckObjectKey(t *testing.T) {
	for key, want := range map[string]bool{
		"a": true, "u/1/a.png": true, "a/.../b": true, ".a/b.": true, "a//b/": true, "/a": true,
		strings.Repeat("é", 512): true, strings.Repeat("é", 512) + "x": false, // 1,024 and 1,025 bytes
		"": false, ".": false, "..": false, "a/.": false, "./a": false, "a/../b": false, "../a": false,
		"a\xffb": false,
	} {
		if got := host.CheckObjectKey(key); got != want {
			t.Errorf("CheckObjectKey(%.20q…) = %v, want %v", key, got, want)
		}
	}
}

// Heads and pages are compact JSON, members in the ABI's order, nothing
// HTML-escaped, times in UTC to the second, an empty page's list [].
func TestEncodeObjects(t *testing.T) {
	at := time.Date(2026, 12, 3, 18, 0, 0, 999_000_000, time.FixedZone("x", 3600))
	info := host.ObjectInfo{Key: "a<b>&c", Size: 3, ContentType: "text/html; q=<1>", ETag: `"abc"`, LastModified: at}
	if got, want := string(host.EncodeObjectHead(info)), `{"size":3,"content_type":"text/html; q=<1>","etag":"\"abc\"","last_modified":"2026-12-03T17:00:00Z"}`; got != want {
		t.Errorf("head %s, want %s", got, want)
	}
	page := &host.ObjectPage{Objects: []host.ObjectInfo{info}, More: true}
	if got, want := string(host.EncodeObjectPage(page)), `{"objects":[{"key":"a<b>&c","size":3,"etag":"\"abc\"","last_modified":"2026-12-03T17:00:00Z"}],"more":true}`; got != want {
		t.Errorf("page %s, want %s", got, want)
	}
	if got := string(host.EncodeObjectPage(&host.ObjectPage{})); got != `{"objects":[],"more":false}` {
		t.Errorf("empty page %s", got)
	}
}
