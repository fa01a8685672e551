package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

func TestAppendJSONRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		req  Request
	}{
		{"empty", Request{Method: "GET", URI: "/"}},
		{"escapes", Request{Method: "POST", URI: "/a%20b?q=caf%C3%A9&x=\"y\"", Body: []byte("line1\nline2\t\"quoted\" \\ back \x01 ctl </script>")}},
		{"utf8", Request{Method: "PUT", URI: "/ü", Body: []byte("héllo 世界 😀")}},
		{"repeated headers", Request{Method: "GET", URI: "/", Headers: map[string][]string{"X-Tag": {"a", "b", "c"}, "Accept": {"*/*"}}}},
		{"invalid utf8 header", Request{Method: "GET", URI: "/", Headers: map[string][]string{"X-Bin": {"a\xffb"}}}},
		{"all fields", Request{Method: "DELETE", URI: "/x", TraceID: "00-abc-def-01", Host: "example.com:8080", RemoteAddr: "127.0.0.1:1", Proto: "HTTP/2.0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.req.AppendJSON(nil)
			var got struct {
				Method, URI, Body, Host, Proto string
				Headers                        map[string][]string
				TraceID                        string `json:"trace_id"`
				RemoteAddr                     string `json:"remote_addr"`
				BodyEncoding                   string `json:"body_encoding"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("not valid JSON: %v\n%s", err, out)
			}
			if got.Method != tc.req.Method || got.URI != tc.req.URI || got.Body != string(tc.req.Body) || got.BodyEncoding != "" {
				t.Errorf("round trip: got %+v from %s", got, out)
			}
			if got.TraceID != tc.req.TraceID || got.Host != tc.req.Host || got.RemoteAddr != tc.req.RemoteAddr || got.Proto != tc.req.Proto {
				t.Errorf("round trip of the additions: got %+v", got)
			}
			for k, vs := range tc.req.Headers {
				if len(got.Headers[k]) != len(vs) {
					t.Errorf("header %s: got %q want %q", k, got.Headers[k], vs)
				}
				for i, v := range vs {
					want := v
					if k == "X-Bin" {
						want = "a\ufffdb"
					}
					if got.Headers[k][i] != want {
						t.Errorf("header %s[%d]: got %q want %q", k, i, got.Headers[k][i], want)
					}
				}
			}
		})
	}
}

func TestAppendJSONBinaryBody(t *testing.T) {
	body := []byte{0, 1, 2, 0xff, 0xfe, 'a'}
	out := (&Request{Method: "POST", URI: "/", Body: body}).AppendJSON(nil)
	var got struct {
		Body         string `json:"body"`
		BodyEncoding string `json:"body_encoding"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.BodyEncoding != "base64" {
		t.Fatalf("body_encoding = %q, want base64", got.BodyEncoding)
	}
	dec, err := base64.StdEncoding.DecodeString(got.Body)
	if err != nil || string(dec) != string(body) {
		t.Fatalf("body = %q (%v), want %q", dec, err, body)
	}
}
