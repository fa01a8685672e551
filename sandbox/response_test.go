package sandbox

import (
	"strings"
	"testing"
)

func TestDecodeResponse(t *testing.T) {
	cases := []struct {
		name, out string
		status    int
		body      string
		wantErr   string
	}{
		{"minimal", `{"status":204}`, 204, "", ""},
		{"full", `{"status":201,"headers":{"X-A":["1","2"]},"body":"hi"}`, 201, "hi", ""},
		{"white space around", " \n{\"status\":200,\"body\":\"x\"}\n\n", 200, "x", ""},
		{"base64", `{"status":200,"body":"AAH/","body_encoding":"base64"}`, 200, "\x00\x01\xff", ""},
		{"unknown fields", `{"status":200,"extra":{"a":1}}`, 200, "", ""},
		{"utf8", `{"status":200,"body":"😀 \u00e9"}`, 200, "😀 é", ""},
		{"empty", ``, 0, "", "wrote nothing"},
		{"text before", `hello {"status":200}`, 0, "", "does not start"},
		{"two objects", `{"status":200}{"status":201}`, 0, "", "more after"},
		{"trailing text", `{"status":200} bye`, 0, "", "more after"},
		{"array", `[{"status":200}]`, 0, "", "does not start"},
		{"no status", `{"body":"x"}`, 0, "", `no "status"`},
		{"status string", `{"status":"200"}`, 0, "", `"status" must be an integer`},
		{"status float", `{"status":200.5}`, 0, "", "status"},
		{"status low", `{"status":42}`, 0, "", "outside"},
		{"status high", `{"status":600}`, 0, "", "outside"},
		{"header string", `{"status":200,"headers":{"X-A":"b"}}`, 0, "", `header "X-A" must be an array of strings`},
		{"header number in array", `{"status":200,"headers":{"X-A":["b",1]}}`, 0, "", `header "X-A" must be an array of strings`},
		{"headers array", `{"status":200,"headers":[]}`, 0, "", `"headers" must be an object`},
		{"body number", `{"status":200,"body":12}`, 0, "", `"body" must be a string`},
		{"null headers and body", `{"status":200,"headers":null,"body":null}`, 200, "", ""},
		{"escaped body", `{"status":200,"body":"a\"b\\c\n\u00e9\ud83d\ude00"}`, 200, "a\"b\\c\né😀", ""},
		{"bad base64", `{"status":200,"body":"!!","body_encoding":"base64"}`, 0, "", "base64"},
		{"bad encoding", `{"status":200,"body":"x","body_encoding":"hex"}`, 0, "", "body_encoding"},
		{"truncated", `{"status":200,"body":"x`, 0, "", "not a valid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := DecodeResponse([]byte(tc.out))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.status || string(resp.Body) != tc.body {
				t.Fatalf("got %d %q, want %d %q", resp.Status, resp.Body, tc.status, tc.body)
			}
		})
	}
}

func TestOutcomeStatus(t *testing.T) {
	want := map[Outcome]int{
		OutcomeOK: 0, OutcomeContractError: 502, OutcomeExitError: 502, OutcomeTrap: 502,
		OutcomeTimeout: 504, OutcomeOutputLimit: 502, OutcomeOverload: 503, OutcomeBodyLimit: 413, OutcomeCanceled: 499,
	}
	for o, s := range want {
		if got := o.Status(); got != s {
			t.Errorf("%s.Status() = %d, want %d", o, got, s)
		}
	}
}

// FuzzDecodeResponse: any output either decodes into a response in range
// or is refused with an error; it never panics.
func FuzzDecodeResponse(f *testing.F) {
	f.Add([]byte(`{"status":200,"headers":{"A":["b"]},"body":"x"}`))
	f.Add([]byte(`{"status":200,"body":"AAH/","body_encoding":"base64"}`))
	f.Add([]byte(`{"status":200}{"status":201}`))
	f.Fuzz(func(t *testing.T, out []byte) {
		resp, err := DecodeResponse(out)
		if err == nil && (resp.Status < 100 || resp.Status > 599) {
			t.Fatalf("accepted status %d", resp.Status)
		}
	})
}

func TestDecodeResponseHeaders(t *testing.T) {
	out := `{"status":200,"headers":{"A":["1","22",""],"Émoji":["😀"],"Skip":null,"Empty":[],"B":["x"]}}`
	resp, err := DecodeResponse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"A": {"1", "22", ""}, "Émoji": {"😀"}, "Empty": {}, "B": {"x"}}
	if len(resp.Headers) != len(want) {
		t.Fatalf("headers = %q, want %q", resp.Headers, want)
	}
	for k, vs := range want {
		got := resp.Headers[k]
		if len(got) != len(vs) {
			t.Fatalf("%s = %q, want %q", k, got, vs)
		}
		for i := range vs {
			if got[i] != vs[i] {
				t.Fatalf("%s = %q, want %q", k, got, vs)
			}
		}
	}
	// Appending to one header's values must not overwrite another's.
	resp.Headers["A"] = append(resp.Headers["A"], "more")
	if resp.Headers["Émoji"][0] != "😀" || resp.Headers["B"][0] != "x" {
		t.Fatal("header value lists share capacity")
	}
}
