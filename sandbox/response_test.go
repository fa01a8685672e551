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
		{"white space around", " \n{\"status\":200,\"body\":\"x\"}\n\r\t", 200, "x", ""},
		{"white space inside", "{ \"status\" : 200 , \"headers\" : { \"A\" : [ \"b\" ] } }", 200, "", ""},
		{"base64", `{"status":200,"body":"AAH/","body_encoding":"base64"}`, 200, "\x00\x01\xff", ""},
		{"base64 escaped", `{"status":200,"body":"AAH\/","body_encoding":"base\u0036\u0034"}`, 200, "\x00\x01\xff", ""},
		{"base64 without body", `{"status":200,"body_encoding":"base64"}`, 200, "", ""},
		{"empty encoding", `{"status":200,"body":"x","body_encoding":""}`, 200, "x", ""},
		{"unknown fields", `{"status":200,"extra":{"a":[1,-2.5e+3,true,false,null,"s"],"a":0}}`, 200, "", ""},
		{"utf8", `{"status":200,"body":"😀 \u00e9"}`, 200, "😀 é", ""},
		{"escaped name", `{"st\u0061tus":200,"\u0062ody":"x"}`, 200, "x", ""},
		{"escaped body", `{"status":200,"body":"a\"b\\c\n\u00e9\ud83d\ude00\/\b\f\r\t"}`, 200, "a\"b\\c\né😀/\b\f\r\t", ""},
		{"lone high surrogate", `{"status":200,"body":"\ud83dx"}`, 200, "\uFFFDx", ""},
		{"high surrogate then escape", `{"status":200,"body":"\ud83d\u0041"}`, 200, "\uFFFDA", ""},
		{"lone low surrogate", `{"status":200,"body":"\ude00\ude00"}`, 200, "\uFFFD\uFFFD", ""},
		{"two high surrogates", `{"status":200,"body":"\ud83d\ud83d\ude00"}`, 200, "\uFFFD😀", ""},
		{"null status is absent", `{"status":null}`, 0, "", `no "status"`},
		{"null headers and body", `{"status":200,"headers":null,"body":null,"body_encoding":null}`, 200, "", ""},
		{"status 200", `{"status":200}`, 200, "", ""},
		{"status 599", `{"status":599}`, 599, "", ""},
		{"empty", ``, 0, "", "wrote nothing"},
		{"only space", " \n\t\r ", 0, "", "wrote nothing"},
		{"text before", `hello {"status":200}`, 0, "", "does not start"},
		{"byte order mark", "\ufeff{\"status\":200}", 0, "", "does not start"},
		{"non-JSON space", "\u00a0{\"status\":200}", 0, "", "does not start"},
		{"form feed after", "{\"status\":200}\f", 0, "", "more after"},
		{"two objects", `{"status":200}{"status":201}`, 0, "", "more after"},
		{"trailing text", `{"status":200} bye`, 0, "", "more after"},
		{"array", `[{"status":200}]`, 0, "", "does not start"},
		{"no status", `{"body":"x"}`, 0, "", `no "status"`},
		{"status string", `{"status":"200"}`, 0, "", `"status" must be an integer`},
		{"status float", `{"status":200.5}`, 0, "", `"status" must be an integer literal`},
		{"status 200.0", `{"status":200.0}`, 0, "", `"status" must be an integer literal`},
		{"status 2e2", `{"status":2e2}`, 0, "", `"status" must be an integer literal`},
		{"status 2E+2", `{"status":2E+2}`, 0, "", `"status" must be an integer literal`},
		{"status negative", `{"status":-200}`, 0, "", "final status"},
		{"status leading zero", `{"status":0200}`, 0, "", "not a valid"},
		{"status huge", `{"status":200000000000000000000000}`, 0, "", "final status"},
		{"status 100", `{"status":100}`, 0, "", "final status"},
		{"status 101", `{"status":101}`, 0, "", "final status"},
		{"status 103", `{"status":103}`, 0, "", "final status"},
		{"status 199", `{"status":199}`, 0, "", "final status"},
		{"status low", `{"status":42}`, 0, "", "final status"},
		{"status high", `{"status":600}`, 0, "", "final status"},
		{"status twice", `{"status":200,"status":500}`, 0, "", `"status" twice`},
		{"status twice, first null", `{"status":null,"status":500}`, 0, "", `"status" twice`},
		{"status twice, escaped", `{"status":200,"st\u0061tus":500}`, 0, "", `"status" twice`},
		{"headers twice", `{"status":200,"headers":{},"headers":{}}`, 0, "", `"headers" twice`},
		{"body twice", `{"status":200,"body":"a","body":"b"}`, 0, "", `"body" twice`},
		{"encoding twice", `{"status":200,"body_encoding":"","body_encoding":""}`, 0, "", `"body_encoding" twice`},
		{"header twice", `{"status":200,"headers":{"X-A":["1"],"X-A":["2"]}}`, 0, "", `header "X-A" is given twice`},
		{"header twice in other case", `{"status":200,"headers":{"x-a":["1"],"X-A":["2"]}}`, 0, "", `header "X-A" is given twice`},
		{"header twice, one null", `{"status":200,"headers":{"X-A":null,"x-a":["2"]}}`, 0, "", `header "X-A" is given twice`},
		{"header string", `{"status":200,"headers":{"X-A":"b"}}`, 0, "", `header "X-A" must be an array of strings`},
		{"header number in array", `{"status":200,"headers":{"X-A":["b",1]}}`, 0, "", `header "X-A" must be an array of strings`},
		{"headers array", `{"status":200,"headers":[]}`, 0, "", `"headers" must be an object`},
		{"header pseudo", `{"status":200,"headers":{":status":["500"]}}`, 0, "", `header ":status": the name is not`},
		{"header name space", `{"status":200,"headers":{"X A":["1"]}}`, 0, "", `header "X A": the name is not`},
		{"header name empty", `{"status":200,"headers":{"":["1"]}}`, 0, "", `header "": the name is not`},
		{"header name utf8", `{"status":200,"headers":{"Émoji":["1"]}}`, 0, "", `header "Émoji": the name is not`},
		{"header name colon", `{"status":200,"headers":{"X-A:":["1"]}}`, 0, "", `header "X-A:": the name is not`},
		{"header value CR LF", `{"status":200,"headers":{"X-A":["ok","a\r\nSet-Cookie: x=1"]}}`, 0, "", `header "X-A": value 2 is not an HTTP field value (RFC 9110): control character 0x0d`},
		{"header value LF", `{"status":200,"headers":{"X-A":["a\nb"]}}`, 0, "", `header "X-A": value 1`},
		{"header value NUL", `{"status":200,"headers":{"X-A":["a\u0000b"]}}`, 0, "", `control character 0x00`},
		{"header value DEL", `{"status":200,"headers":{"X-A":["a\u007fb"]}}`, 0, "", `control character 0x7f`},
		{"header value leading space", `{"status":200,"headers":{"X-A":[" a"]}}`, 0, "", `white space`},
		{"header value trailing tab", `{"status":200,"headers":{"X-A":["a\t"]}}`, 0, "", `white space`},
		{"header name in the error is canonical", `{"status":200,"headers":{"x-a":["\n"]}}`, 0, "", `header "X-A": value 1`},
		{"body number", `{"status":200,"body":12}`, 0, "", `"body" must be a string`},
		{"bad base64", `{"status":200,"body":"!!","body_encoding":"base64"}`, 0, "", "base64"},
		{"base64 with a line break", `{"status":200,"body":"AAAA\nAAAA","body_encoding":"base64"}`, 0, "", "line break"},
		{"base64 without padding", `{"status":200,"body":"AA","body_encoding":"base64"}`, 0, "", "base64"},
		{"bad encoding", `{"status":200,"body":"x","body_encoding":"hex"}`, 0, "", `unknown "body_encoding" "hex"`},
		{"bad encoding without body", `{"status":200,"body_encoding":"hex"}`, 0, "", `unknown "body_encoding" "hex"`},
		{"encoding not a string", `{"status":200,"body_encoding":1}`, 0, "", `"body_encoding" must be a string`},
		{"truncated", `{"status":200,"body":"x`, 0, "", "not a valid"},
		{"invalid UTF-8 in body", "{\"status\":200,\"body\":\"\xff\"}", 0, "", "invalid UTF-8"},
		{"invalid UTF-8 in unknown field", "{\"status\":200,\"x\":\"\xc3\"}", 0, "", "invalid UTF-8"},
		{"encoded surrogate", "{\"status\":200,\"body\":\"\xed\xa0\x80\"}", 0, "", "invalid UTF-8"},
		{"overlong", "{\"status\":200,\"body\":\"\xc0\xaf\"}", 0, "", "invalid UTF-8"},
		{"raw control character", "{\"status\":200,\"body\":\"a\tb\"}", 0, "", "control character"},
		{"bad escape", `{"status":200,"body":"\q"}`, 0, "", "invalid escape"},
		{"short unicode escape", `{"status":200,"body":"\u12"}`, 0, "", "hex digits"},
		{"bad unicode escape", `{"status":200,"body":"\u12g4"}`, 0, "", "hex digits"},
		{"trailing comma", `{"status":200,}`, 0, "", "not a valid"},
		{"trailing comma in array", `{"status":200,"x":[1,]}`, 0, "", "not a valid"},
		{"single quotes", `{'status':200}`, 0, "", "not a valid"},
		{"NaN", `{"status":200,"x":NaN}`, 0, "", "not a valid"},
		{"bare fraction", `{"status":200,"x":.5}`, 0, "", "not a valid"},
		{"empty exponent", `{"status":200,"x":1e}`, 0, "", "not a valid"},
		{"plus sign", `{"status":200,"x":+1}`, 0, "", "not a valid"},
		{"bad literal", `{"status":200,"x":nul}`, 0, "", "not a valid"},
		{"nested too deep", `{"status":200,"x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `}`, 0, "", "nested more than"},
		{"nested deep enough", `{"status":200,"x":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `}`, 200, "", ""},
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

func TestDecodeResponseHeaders(t *testing.T) {
	out := `{"status":200,"headers":{"a":["1","22",""],"x-\u0065":null,"Emoji":["😀 é\tx"],"SKIP":null,"Empty":[],"content-TYPE":["x"],"X_y":["\"q\""]}}`
	resp, err := DecodeResponse([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"A": {"1", "22", ""}, "Emoji": {"😀 é\tx"}, "Empty": {}, "Content-Type": {"x"}, "X_y": {`"q"`}}
	if len(resp.Headers) != len(want) {
		t.Fatalf("headers = %q, want %q", resp.Headers, want)
	}
	for k, vs := range want {
		got, ok := resp.Headers[k]
		if !ok || len(got) != len(vs) {
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
	if resp.Headers["Emoji"][0] != "😀 é\tx" || resp.Headers["Empty"] == nil {
		t.Fatal("header value lists share capacity")
	}
}

// TestDecodeResponseReuse: a decoder reused after a failure or a large
// response gives the next response nothing of the previous one.
func TestDecodeResponseReuse(t *testing.T) {
	big := `{"status":200,"headers":{"X-Big":["` + strings.Repeat("b", 100<<10) + `"]}}`
	for _, out := range []string{big, `{"status":201,"headers":{"X-A":["1"],"X-B":["\n"]}}`, `{"status":200,"body_encoding":"base64","status":1}`} {
		_, _ = DecodeResponse([]byte(out))
		resp, err := DecodeResponse([]byte(`{"status":202,"headers":{"X-C":["3"]}}`))
		if err != nil || resp.Status != 202 || len(resp.Headers) != 1 || resp.Headers["X-C"][0] != "3" || resp.Body != nil {
			t.Fatalf("after %.30q: %+v, %v", out, resp, err)
		}
	}
}
