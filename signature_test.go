package gojinn_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
	dto "github.com/prometheus/client_model/go"

	"github.com/gojinn/gojinn/internal/signature"
	"github.com/gojinn/gojinn/internal/testguest"
)

// sdkCLI runs the TypeScript SDK's gojinn CLI (sdk-ts/bin/gojinn, built by
// `make sdk`) in dir and returns its output and whether it exited 0.
func sdkCLI(t *testing.T, dir string, args ...string) (string, bool) {
	t.Helper()
	root := testguest.Root()
	if _, err := os.Stat(filepath.Join(root, "sdk-ts", "dist", "cli", "main.js")); err != nil {
		t.Fatalf("the sdk-ts CLI is not built (run make sdk): %v", err)
	}
	cmd := exec.Command(filepath.Join(root, "sdk-ts", "bin", "gojinn"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatalf("gojinn %v: %v", args, err)
	}
	return string(out), err == nil
}

// mustCLI is sdkCLI for a command that must succeed.
func mustCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, ok := sdkCLI(t, dir, args...)
	if !ok {
		t.Fatalf("gojinn %v failed:\n%s", args, out)
	}
	return out
}

// signedModules makes, in a temporary directory, the key pairs release and
// other with the CLI, and modules built from ok.wat: unsigned, signed by
// release (with the CLI), signed by other, and signed by release then
// changed in one byte (its body "ok" made "OK").
type signedModules struct {
	dir, releasePub, unsigned, signed, otherKey, tampered string
}

func newSignedModules(t *testing.T) signedModules {
	t.Helper()
	dir := t.TempDir()
	m := signedModules{
		dir:        dir,
		releasePub: filepath.Join(dir, "release.pub"),
		unsigned:   filepath.Join(dir, "unsigned.wasm"),
		signed:     filepath.Join(dir, "signed.wasm"),
		otherKey:   filepath.Join(dir, "other.wasm"),
		tampered:   filepath.Join(dir, "tampered.wasm"),
	}
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	if err := os.WriteFile(m.unsigned, module, 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, dir, "keygen", "release")
	mustCLI(t, dir, "keygen", "other")
	mustCLI(t, dir, "sign", "--key", "release.key", "-o", m.signed, m.unsigned)
	mustCLI(t, dir, "sign", "--key", "other.key", "-o", m.otherKey, m.unsigned)
	signed := testguest.Read(t, m.signed)
	i := bytes.Index(signed, []byte(`"body":"ok"`))
	if i < 0 {
		t.Fatal("no body in ok.wat's data")
	}
	tampered := bytes.Clone(signed)
	copy(tampered[i:], `"body":"OK"`)
	if err := os.WriteFile(m.tampered, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m signedModules) releaseKey(t *testing.T) string {
	t.Helper()
	return strings.TrimSpace(readFile(t, m.releasePub))
}

// signatureState is the gojinn_module_signature series of handler set to
// 1: its state label, or "" when there is none.
func signatureState(t *testing.T, handler string) string {
	t.Helper()
	for _, s := range series(t, scrape(t), "gojinn_module_signature", dto.MetricType_GAUGE) {
		if l := labels(s); l["handler"] == handler && s.GetGauge().GetValue() == 1 {
			return l["state"]
		}
	}
	return ""
}

// With signatures required (the default once a key is trusted), a module
// signed by the CLI with a trusted key is served; an unsigned one, one
// signed by another key and one changed after signing each fail the load,
// naming the file and the reason.
func TestSignaturesRequired(t *testing.T) {
	m := newSignedModules(t)
	tester, _ := server(t, fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn /file %s {
		name sig-file
		trusted_key %s
	}
	gojinn /literal %s {
		name sig-literal
		trusted_key %s
		signatures required
	}
}
`, m.signed, m.releasePub, m.signed, m.releaseKey(t)))
	for _, path := range []string{"/file", "/literal"} {
		if resp, body := do(t, tester, newRequest(t, "GET", base+path, nil)); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	if got := signatureState(t, "sig-file"); got != "verified" {
		t.Errorf("gojinn_module_signature{handler=sig-file} state %q, want verified", got)
	}
	for _, tc := range []struct{ path, reason string }{
		{m.unsigned, "signatures required: the module is not signed"},
		{m.otherKey, "signatures required: signed by a key that is not trusted (key id "},
		{m.tampered, "signatures required: the signature does not match the module (key id "},
	} {
		cfg := globals(filepath.Join(m.dir, "caddy.log")) + fmt.Sprintf("\nhttp://127.0.0.1:9080 {\n\tgojinn %s {\n\t\ttrusted_key %s\n\t}\n}\n", tc.path, m.releasePub)
		caddytest.AssertLoadError(t, cfg, "caddyfile", "gojinn: "+tc.path+": "+tc.reason)
	}
}

// With signatures audit, the same modules are served, each load logs one
// warning naming the module and the reason, and the metric says the state.
func TestSignaturesAudit(t *testing.T) {
	m := newSignedModules(t)
	tester, logFile := server(t, fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn /unsigned %s {
		name audit-unsigned
		trusted_key %s
		signatures audit
	}
	gojinn /other %s {
		name audit-other
		trusted_key %s
		signatures audit
	}
	gojinn /tampered %s {
		name audit-tampered
		trusted_key %s
		signatures audit
	}
}
`, m.unsigned, m.releasePub, m.otherKey, m.releasePub, m.tampered, m.releasePub))
	want := map[string]struct{ body, module, state string }{
		"/unsigned": {"ok", m.unsigned, "unsigned"},
		"/other":    {"ok", m.otherKey, "unknown_key"},
		"/tampered": {"OK", m.tampered, "bad_signature"},
	}
	for path, w := range want {
		if resp, body := do(t, tester, newRequest(t, "GET", base+path, nil)); resp.StatusCode != 200 || body != w.body {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
		var warnings []map[string]any
		for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
			if e["level"] == "warn" && e["module"] == w.module {
				warnings = append(warnings, e)
			}
		}
		if len(warnings) != 1 || warnings[0]["state"] != w.state || warnings[0]["reason"] == "" {
			t.Errorf("%s: warnings naming the module: %v, want one with state %s", path, warnings, w.state)
		}
		if got := signatureState(t, "audit"+strings.ReplaceAll(path, "/", "-")); got != w.state {
			t.Errorf("%s: gojinn_module_signature state %q, want %s", path, got, w.state)
		}
	}
}

// The gojinn app's trusted_key is every handler's default (so signatures
// are required everywhere); a handler's own signatures setting overrides
// it.
func TestSignaturesAppDefault(t *testing.T) {
	m := newSignedModules(t)
	logFile := filepath.Join(m.dir, "caddy.log")
	app := "\t\ttrusted_key " + m.releasePub
	refused := kvGlobals(logFile, app) + fmt.Sprintf("\nhttp://127.0.0.1:9080 {\n\tgojinn %s\n}\n", m.unsigned)
	caddytest.AssertLoadError(t, refused, "caddyfile", "gojinn: "+m.unsigned+": signatures required: the module is not signed")

	tester, _ := kvServer(t, app, fmt.Sprintf(`http://127.0.0.1:9080 {
	gojinn /signed %s {
		name app-signed
	}
	gojinn /exempt %s {
		name app-exempt
		signatures off
	}
}
`, m.signed, m.unsigned))
	for _, path := range []string{"/signed", "/exempt"} {
		if resp, body := do(t, tester, newRequest(t, "GET", base+path, nil)); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
	// An unchecked handler has no series.
	if got, exempt := signatureState(t, "app-signed"), signatureState(t, "app-exempt"); got != "verified" || exempt != "" {
		t.Errorf("gojinn_module_signature states: app-signed %q, app-exempt %q; want verified and none", got, exempt)
	}
}

// A module signed by the host's Go code verifies with the CLI, and one
// byte changed after signing does not.
func TestGoSignatureVerifiesWithCLI(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := signature.Sign(testguest.Read(t, testguest.WAT(t, "ok")), priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.wasm"), signed, 0o644); err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(pub)
	out := mustCLI(t, dir, "verify", "--key", key, "go.wasm")
	if !strings.Contains(out, "signed by key "+signature.IDOf(pub).String()) {
		t.Errorf("verify: %s", out)
	}
	signed[20] ^= 1
	if err := os.WriteFile(filepath.Join(dir, "go.wasm"), signed, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := sdkCLI(t, dir, "verify", "--key", key, "go.wasm"); ok || !strings.Contains(out, "go.wasm: the signature does not match the module") {
		t.Errorf("verify of a changed module: ok=%v %s", ok, out)
	}
}

// Bad signature settings fail at adapt time, naming the Caddyfile's line.
func TestSignatureCaddyfileErrors(t *testing.T) {
	pubFile := filepath.Join(t.TempDir(), "k.pub")
	if err := os.WriteFile(pubFile, []byte("not a key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	site := ":8080 {\n\tgojinn app.wasm {\n\t\t%s\n\t}\n}\n"
	global := "{\n\tgojinn {\n\t\t%s\n\t}\n}\n:8080 {\n\trespond ok\n}\n"
	cases := []struct{ cfg, want string }{
		{fmt.Sprintf(site, "trusted_key"), "trusted_key takes exactly one argument, got 0, at /etc/caddy/Caddyfile:3"},
		{fmt.Sprintf(site, "trusted_key c2hvcnQ="), `trusted_key: "c2hvcnQ=" is not a public key (5 bytes of base64, want 32 (an Ed25519 public key)) nor a readable key file`},
		{fmt.Sprintf(site, "trusted_key "+pubFile), "trusted_key: key file " + pubFile + ": not base64"},
		{fmt.Sprintf(site, "signatures maybe"), `signatures: "maybe" is not required, audit or off, at /etc/caddy/Caddyfile:3`},
		{fmt.Sprintf(site, "signatures audit\n\t\tsignatures off"), "signatures is given twice, at /etc/caddy/Caddyfile:4"},
		{fmt.Sprintf(global, "trusted_key /no/such.pub"), `trusted_key: "/no/such.pub" is not a public key`},
		{fmt.Sprintf(global, "signatures audit\n\t\tsignatures off"), "signatures is given twice, at /etc/caddy/Caddyfile:4"},
		{fmt.Sprintf(global, "signatures off {\n\t\t\tx\n\t\t}"), "signatures takes no block"},
	}
	for _, tc := range cases {
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(tc.cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/etc/caddy/Caddyfile:") {
			t.Errorf("%q: err = %v, want one naming /etc/caddy/Caddyfile:<line> and %q", tc.cfg, err, tc.want)
		}
	}
}
