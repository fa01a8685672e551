package gojinn

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	in := `{"method":"POST","uri":"/api/users?id=7&q=caf%C3%A9","headers":{"Content-Type":["application/json"],"X-Tag":["a","b"]},
		"body":"{\"name\":\"Ana\"}","trace_id":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"host":"example.com","remote_addr":"127.0.0.1:51234","proto":"HTTP/2.0","future_field":{"x":[1]}}`
	req, err := decodeRequest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "POST" || req.URI != "/api/users?id=7&q=caf%C3%A9" || string(req.Body) != `{"name":"Ana"}` ||
		req.TraceID != "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" || req.Host != "example.com" ||
		req.RemoteAddr != "127.0.0.1:51234" || req.Proto != "HTTP/2.0" || !slices.Equal(req.Headers["X-Tag"], []string{"a", "b"}) {
		t.Fatalf("decoded %+v", req)
	}

	// A binary body arrives in base64.
	req, err = decodeRequest(strings.NewReader(`{"method":"PUT","uri":"/","headers":{},"body":"AP+A","body_encoding":"base64"}`))
	if err != nil || !bytes.Equal(req.Body, []byte{0, 0xff, 0x80}) {
		t.Fatalf("base64 body: %q %v", req.Body, err)
	}
	// Headers are never nil.
	if req, err = decodeRequest(strings.NewReader(`{"method":"GET","uri":"/"}`)); err != nil || req.Headers == nil {
		t.Fatalf("no headers: %+v %v", req, err)
	}
	for _, bad := range []string{``, `[]`, `{"body":"***","body_encoding":"base64"}`, `{"body_encoding":"gzip"}`} {
		if _, err := decodeRequest(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// decodeWire reads what encodeResponse wrote: exactly one JSON object.
func decodeWire(t *testing.T, out []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&m); err != nil || dec.More() {
		t.Fatalf("stdout %q is not one JSON object: %v", out, err)
	}
	return m
}

func TestEncodeResponse(t *testing.T) {
	cases := []struct {
		name string
		resp *Response
		want string
	}{
		{"nil is an empty 200", nil, `{"status":200}`},
		{"status 0 is 200", &Response{Body: []byte("hi")}, `{"body":"hi","status":200}`},
		{"text body, HTML not escaped", &Response{Status: 201, Body: []byte("<b>é</b>\n")}, `{"body":"<b>é</b>\n","status":201}`},
		{"binary body in base64", &Response{Status: 200, Body: []byte{0, 0xff, 'a'}}, `{"body":"AP9h","body_encoding":"base64","status":200}`},
		{
			"headers canonical, case twins merged, CR LF to space, trimmed",
			&Response{Status: 200, Headers: http.Header{
				"x-a": {"1"}, "X-A": {" 2\t"}, "Set-Cookie": {"a=1", "b=2"}, "X-Split": {"a\r\nb"}, "X-Empty": {},
			}},
			`{"headers":{"Set-Cookie":["a=1","b=2"],"X-A":["2","1"],"X-Split":["a  b"]},"status":200}`,
		},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		if err := encodeResponse(&out, tc.resp); err != nil {
			t.Fatal(err)
		}
		// The members, sorted, as they were written (HTML not escaped).
		var got bytes.Buffer
		enc := json.NewEncoder(&got)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(decodeWire(t, out.Bytes())); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(got.String()) != tc.want || bytes.Contains(out.Bytes(), []byte(`\u003c`)) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, out.String(), tc.want)
		}
	}
}

// Bodies of every byte value survive the trip through the contract's
// encoding, as the host decodes it.
func TestEncodeResponseBodyRoundTrip(t *testing.T) {
	var all []byte
	for b := range 256 {
		all = append(all, byte(b))
	}
	for _, body := range [][]byte{all, []byte("plain"), []byte("\u2028 \x00 \x7f"), []byte("\xed\xa0\x80")} {
		var out bytes.Buffer
		if err := encodeResponse(&out, &Response{Body: body}); err != nil {
			t.Fatal(err)
		}
		var w struct {
			Body         string `json:"body"`
			BodyEncoding string `json:"body_encoding"`
		}
		if err := json.Unmarshal(out.Bytes(), &w); err != nil {
			t.Fatal(err)
		}
		got := []byte(w.Body)
		if w.BodyEncoding == "base64" {
			got = mustBase64(t, w.Body)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("body %q came back %q (encoding %q)", body, got, w.BodyEncoding)
		}
	}
}
