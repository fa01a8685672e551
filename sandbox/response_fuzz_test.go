package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// FuzzDecodeResponse: DecodeResponse never panics, and what it accepts is
// valid UTF-8 JSON whose meaning, read by encoding/json, is the response it
// returned; that response keeps the contract's invariants (a final status,
// canonical token names given once, field values without control
// characters).
func FuzzDecodeResponse(f *testing.F) {
	for _, seed := range []string{
		`{"status":200,"headers":{"A":["b"]},"body":"x"}`,
		`{"status":200,"body":"AAH/","body_encoding":"base64"}`,
		`{"status":200}{"status":201}`,
		`{"status":200.0}`,
		`{"status":2e2}`,
		`{"status":200,"status":500}`,
		`{"status":200,"body_encoding":"hex"}`,
		"{\"status\":200,\"body\":\"\xff\"}",
		`{"status":103}`,
		`{"status":200,"headers":{":status":["500"]}}`,
		`{"status":200,"headers":{"x-a":["1"],"X-A":["2"]}}`,
		`{"status":200,"headers":{"X-A":["a\r\nb"]}}`,
		`{"status":200,"body":"\ud83d\u0041\ude00 \"\\\/\b\f\n\r\t"}`,
		` {"st\u0061tus":599,"x":[{"y":[1.5e-3,true,false,null]}],"headers":{"A":null,"B":[]}} `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		resp, err := DecodeResponse(out)
		if err != nil {
			if resp != nil {
				t.Fatal("a response with an error")
			}
			return
		}
		checkAccepted(t, out, resp)
	})
}

// checkAccepted checks what DecodeResponse accepted against encoding/json.
func checkAccepted(t *testing.T, out []byte, resp *Response) {
	t.Helper()
	if !utf8.Valid(out) || !json.Valid(out) {
		t.Fatalf("accepted output that is not UTF-8 JSON: %q", out)
	}
	if resp.Status < 200 || resp.Status > 599 {
		t.Fatalf("accepted status %d", resp.Status)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out, &top); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if n, err := strconv.Atoi(string(top["status"])); err != nil || n != resp.Status {
		t.Fatalf("status %s decoded as %d", top["status"], resp.Status)
	}
	var wire struct {
		Headers      map[string][]string
		Body         *string
		BodyEncoding *string `json:"body_encoding"`
	}
	_ = json.Unmarshal(top["headers"], &wire.Headers)
	_ = json.Unmarshal(top["body"], &wire.Body)
	_ = json.Unmarshal(top["body_encoding"], &wire.BodyEncoding)
	want := []byte(nil)
	if wire.Body != nil {
		want = []byte(*wire.Body)
		if wire.BodyEncoding != nil && *wire.BodyEncoding == "base64" {
			var err error
			if want, err = base64.StdEncoding.DecodeString(*wire.Body); err != nil {
				t.Fatalf("accepted bad base64 %q", *wire.Body)
			}
		}
	}
	if !bytes.Equal(resp.Body, want) {
		t.Fatalf("body %q, encoding/json says %q", resp.Body, want)
	}
	given := 0
	for name, values := range wire.Headers {
		if values == nil {
			continue
		}
		given++
		got, ok := resp.Headers[http.CanonicalHeaderKey(name)]
		if !ok || len(got) != len(values) {
			t.Fatalf("header %q = %q, encoding/json says %q", name, got, values)
		}
		for i := range values {
			if got[i] != values[i] {
				t.Fatalf("header %q = %q, encoding/json says %q", name, got, values)
			}
		}
	}
	if len(resp.Headers) != given {
		t.Fatalf("headers %q, encoding/json says %q", resp.Headers, wire.Headers)
	}
	for name, values := range resp.Headers {
		if !httpguts.ValidHeaderFieldName(name) || http.CanonicalHeaderKey(name) != name {
			t.Fatalf("accepted header name %q", name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) || invalidValue([]byte(v)) != "" {
				t.Fatalf("accepted header %q value %q", name, v)
			}
		}
	}
}
