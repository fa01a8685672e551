package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/internal/testguest"
)

// differentialInputs is how many generated outputs both decoders judge.
const differentialInputs = 30000

// tsVerdict is what the TypeScript decoder said about one output.
type tsVerdict struct {
	OK      bool                `json:"ok"`
	Reason  string              `json:"reason"`
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    []byte              `json:"body"` // base64 in JSON
}

// judgeTS runs the decoder of the TypeScript harness (sdk-ts/dist, built
// by `make sdk`) over every output in node.
const judgeTS = `
const { decodeResponse } = await import(process.argv[1]);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const inputs = JSON.parse(Buffer.concat(chunks).toString());
const out = inputs.map((b64) => {
  const d = decodeResponse(new Uint8Array(Buffer.from(b64, "base64")));
  if (!d.ok) return { ok: false, reason: d.reason };
  const r = d.response;
  const body = r.body === undefined ? "" : r.body_encoding === "base64" ? r.body : Buffer.from(new TextEncoder().encode(r.body)).toString("base64");
  return { ok: true, status: r.status, headers: r.headers ?? {}, body };
});
process.stdout.write(JSON.stringify(out));
`

// TestDecodersAgree feeds the Go decoder and the TypeScript harness's the
// same generated outputs (well-formed responses, every rule broken, and
// random byte mutations of them) and requires the same verdict and, when
// both accept, the same status, headers and body bytes.
func TestDecodersAgree(t *testing.T) {
	decoder := filepath.Join(testguest.Root(), "sdk-ts", "dist", "contract", "response.js")
	if _, err := os.Stat(decoder); err != nil {
		t.Fatalf("the TypeScript SDK is not built (run `make sdk`): %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to run the TypeScript decoder: %v", err)
	}
	r := rand.New(rand.NewPCG(9, 2026))
	inputs := make([][]byte, differentialInputs)
	for i := range inputs {
		inputs[i] = genOutput(r)
	}
	stdin, _ := json.Marshal(inputs) // []byte marshals as base64
	cmd := exec.Command(node, "--input-type=module", "-e", judgeTS, decoder)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	var verdicts []tsVerdict
	if err := json.Unmarshal(out, &verdicts); err != nil || len(verdicts) != len(inputs) {
		t.Fatalf("node's answer: %v (%d verdicts for %d inputs)", err, len(verdicts), len(inputs))
	}
	accepted, base64Bodies, failures := 0, 0, 0
	for i, in := range inputs {
		resp, err := DecodeResponse(in)
		ts := verdicts[i]
		if diff := compareVerdicts(resp, err, ts); diff != "" {
			failures++
			t.Errorf("input %d %q:\n%s", i, in, diff)
			if failures >= 10 {
				t.FailNow()
			}
		}
		if err == nil {
			accepted++
			if len(resp.Body) > 0 && bytes.Contains(in, []byte(`"base64"`)) {
				base64Bodies++
			}
		}
	}
	// The generator must produce both verdicts in quantity, or the test
	// proves little.
	if accepted < len(inputs)/10 || accepted > len(inputs)*9/10 || base64Bodies < 10 {
		t.Fatalf("%d of %d inputs accepted, %d with a base64 body: the generator is unbalanced", accepted, len(inputs), base64Bodies)
	}
	t.Logf("%d inputs, %d accepted by both (%d with a base64 body), the rest rejected by both", len(inputs), accepted, base64Bodies)
}

// compareVerdicts describes how the Go result and the TypeScript verdict
// differ, or returns "".
func compareVerdicts(resp *Response, err error, ts tsVerdict) string {
	switch {
	case err != nil && ts.OK:
		return fmt.Sprintf("Go rejects (%v), TypeScript accepts %d %q %q", err, ts.Status, ts.Headers, ts.Body)
	case err == nil && !ts.OK:
		return fmt.Sprintf("Go accepts %d %q %q, TypeScript rejects (%s)", resp.Status, resp.Headers, resp.Body, ts.Reason)
	case err != nil:
		return ""
	}
	if resp.Status != ts.Status || !bytes.Equal(resp.Body, ts.Body) || len(resp.Headers) != len(ts.Headers) {
		return fmt.Sprintf("Go %d %q %q\nTS %d %q %q", resp.Status, resp.Headers, resp.Body, ts.Status, ts.Headers, ts.Body)
	}
	for name, values := range resp.Headers {
		if tv, ok := ts.Headers[name]; !ok || !slices.Equal(values, tv) {
			return fmt.Sprintf("header %q: Go %q, TS %q", name, values, ts.Headers[name])
		}
	}
	return ""
}

// genOutput makes one guest output: a response object built from members
// that are mostly right and sometimes wrong in one of the ways the contract
// names, then, one time in three, mutated byte by byte.
func genOutput(r *rand.Rand) []byte {
	var b []byte
	b = append(b, choose(r, spaces)...)
	b = append(b, '{')
	members := []func() []byte{
		func() []byte { return []byte(`"status":` + choose(r, statuses)) },
		func() []byte { return append([]byte(`"headers":`), genHeaders(r)...) },
		func() []byte { return append([]byte(`"body":`), pickValue(r, genString(r), "null", "12", "[]")...) },
		func() []byte { return []byte(`"body_encoding":` + choose(r, encodings)) },
		func() []byte { return append(append(genString(r), ':'), genValue(r, 2)...) },
	}
	n := 0
	for i, m := range members {
		times := 1
		switch x := r.IntN(60); {
		case i == 0 && x == 0: // no status
			times = 0
		case x == 1: // twice
			times = 2
		case i > 0 && x < 12: // optional members are often absent
			times = 0
		}
		for range times {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, choose(r, spaces)...)
			b = append(b, m()...)
			n++
		}
	}
	b = append(b, '}')
	b = append(b, choose(r, spaces)...)
	if r.IntN(5) == 0 {
		b = mutate(r, b)
	}
	return b
}

// Each pool is the usual choices, then after a "|" the ones that break a
// rule; choose takes one of those one time in thirty.
var (
	spaces    = choicesOf("", "", "", " ", "\n", " \t\r\n", "|", "\f", "\u00a0", "\ufeff")
	statuses  = choicesOf("200", "200", "204", "404", "599", "|", "100", "101", "103", "199", "600", "99", "0", "-200", "200.0", "2e2", "2E+2", "20e1", "200.5", "0200", "2000", "-0", `"200"`, "null", "true", "[200]", "99999999999999999999")
	encodings = choicesOf(`""`, `"base64"`, `"base64"`, "null", `"base\u0036\u0034"`, "|", `"hex"`, `"BASE64"`, "1", `"base64 "`)
	names     = choicesOf("X-A", "x-b", "Content-Type", "X-Ok", "x_y", "A", "__proto__", "constructor", "X-\\u0041", "~!#$%&'*+.^`|", "|", "x-a", "content-type", ":status", "X A", "", "X-\u00e9", "X-\\u00e9", "X:Y")
	pieces    = choicesOf("a", "hello", " ", "é", "😀", "日本", `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u0020`, `\u00e9`, `\ud83d\ude00`, `\uD83D\uDE00`, `\ud83d`, `\ude00`, `\ud83d\u0041`, `\ud83d\ud83d\ude00`, "AAAA", "AAH/", "aGk=", "|", `\u0000`, `\u001f`, `\u007f`, "\t", "\x01", "\x7f", "\xff", "\xc3", "\xed\xa0\x80", `\x`, `\u12`, "==", "\r")
	mutations = []string{"{", "}", "[", "]", `"`, ",", ":", `\`, " ", "0", "1", "e", ".", "-", "n", "t", "\x00", "\xff", "\xc3", "\n", "u", "é"}
)

// choices are the usual and the rule-breaking values of a pool.
type choices struct{ usual, broken []string }

func choicesOf(values ...string) choices {
	i := slices.Index(values, "|")
	return choices{values[:i], values[i+1:]}
}

// choose takes a usual value, or one time in thirty a rule-breaking one.
func choose(r *rand.Rand, c choices) string {
	if r.IntN(30) == 0 {
		return pick(r, c.broken)
	}
	return pick(r, c.usual)
}

func pick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }

func pickValue(r *rand.Rand, usual []byte, others ...string) []byte {
	if r.IntN(30) == 0 {
		return []byte(pick(r, others))
	}
	return usual
}

// genString makes a JSON string literal from pieces, some of them invalid.
func genString(r *rand.Rand) []byte {
	b := []byte{'"'}
	for range r.IntN(6) {
		b = append(b, choose(r, pieces)...)
	}
	return append(b, '"')
}

// genHeaders makes a headers value: mostly an object of arrays of strings.
func genHeaders(r *rand.Rand) []byte {
	switch r.IntN(60) {
	case 0:
		return []byte("null")
	case 1:
		return []byte(`[]`)
	case 2:
		return []byte(`"X-A"`)
	}
	b := []byte{'{'}
	for i := range r.IntN(5) {
		if i > 0 {
			b = append(b, ',')
		}
		name := choose(r, names)
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":`...)
		switch r.IntN(30) {
		case 0:
			b = append(b, "null"...)
		case 1:
			b = append(b, pick(r, []string{"1", "{}", `"v"`})...)
		default:
			b = append(b, '[')
			for j := range r.IntN(4) {
				if j > 0 {
					b = append(b, ',')
				}
				if r.IntN(60) == 0 {
					b = append(b, "1"...)
				} else {
					b = append(b, genString(r)...)
				}
			}
			b = append(b, ']')
		}
	}
	return append(b, '}')
}

// genValue makes any JSON value, sometimes nested past the depth limit.
func genValue(r *rand.Rand, depth int) []byte {
	switch x := r.IntN(12); {
	case x == 0 && r.IntN(10) == 0:
		n := maxDepth - 4 + r.IntN(8)
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	case x < 3 && depth < 6:
		open, end := byte('['), byte(']')
		if x == 2 {
			open, end = '{', '}'
		}
		b := []byte{open}
		for i := range r.IntN(4) {
			if i > 0 {
				b = append(b, ',')
			}
			if open == '{' {
				b = append(append(b, pick(r, []string{`"a"`, `"b"`, `"a"`})...), ':')
			}
			b = append(b, genValue(r, depth+1)...)
		}
		return append(b, end)
	case x < 6:
		return []byte(choose(r, choicesOf("0", "-0", "1.5e3", "1E+2", "-1.0", "123456789012345678901234567890", "|", "01", "1.", ".5", "1e", "+1", "NaN", "Infinity", "-")))
	case x < 8:
		return []byte(choose(r, choicesOf("true", "false", "null", "|", "nul", "tru", "False")))
	}
	return genString(r)
}

// mutate inserts, deletes, duplicates or truncates a few bytes.
func mutate(r *rand.Rand, b []byte) []byte {
	for range 1 + r.IntN(3) {
		if len(b) == 0 {
			return b
		}
		i := r.IntN(len(b))
		switch r.IntN(5) {
		case 0:
			b = slices.Insert(b, i, []byte(pick(r, mutations))...)
		case 1:
			b = slices.Delete(b, i, i+1)
		case 2:
			j := i + r.IntN(min(8, len(b)-i)) + 1
			b = slices.Insert(b, j, b[i:j]...)
		case 3:
			b = b[:i]
		default:
			b[i] = pick(r, mutations)[0]
		}
	}
	return b
}
