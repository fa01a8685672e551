package gojinn

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/internal/signature"
	"github.com/gojinn/gojinn/internal/testguest"
)

// g.signature, which the admin view shows, says what the check found.
func TestSignatureStateField(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	signed, err := signature.Sign(module, priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	signedPath, unsignedPath := filepath.Join(dir, "signed.wasm"), filepath.Join(dir, "unsigned.wasm")
	if err := os.WriteFile(signedPath, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unsignedPath, module, 0o644); err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(pub)
	cases := []struct {
		path   string
		policy SignaturePolicy
		want   string
	}{
		{unsignedPath, SignaturePolicy{}, "off"},
		{unsignedPath, SignaturePolicy{TrustedKeys: []string{key}, Signatures: "off"}, "off"},
		{signedPath, SignaturePolicy{TrustedKeys: []string{key}}, "verified by " + signature.IDOf(pub).String()},
		{unsignedPath, SignaturePolicy{TrustedKeys: []string{key}, Signatures: "audit"}, "unsigned (audit)"},
	}
	for _, tc := range cases {
		g := &Gojinn{Path: tc.path, CacheDir: "off", SignaturePolicy: tc.policy}
		if err := g.Provision(caddy.Context{Context: context.Background()}); err != nil {
			t.Fatalf("%+v: %v", tc.policy, err)
		}
		_ = g.Cleanup()
		if g.signature != tc.want {
			t.Errorf("%s with %+v: signature = %q, want %q", filepath.Base(tc.path), tc.policy, g.signature, tc.want)
		}
	}
}

// Policies that cannot work fail the load, naming the module and why.
func TestSignaturePolicyErrors(t *testing.T) {
	path := testguest.WAT(t, "ok")
	missing := filepath.Join(t.TempDir(), "missing.pub")
	cases := []struct {
		policy SignaturePolicy
		want   string
	}{
		{SignaturePolicy{Signatures: "required"}, "signatures required needs at least one trusted_key"},
		{SignaturePolicy{Signatures: "audit"}, "signatures audit needs at least one trusted_key"},
		{SignaturePolicy{Signatures: "sometimes", TrustedKeys: []string{"z/0F/2856GEaTU6XAwucQgjM2mGrPjQ8ciWeOumL0CA="}}, `signatures "sometimes": want required, audit or off`},
		{SignaturePolicy{TrustedKeys: []string{missing}}, `trusted_key: "` + missing + `" is not a public key`},
	}
	for _, tc := range cases {
		g := &Gojinn{Path: path, CacheDir: "off", SignaturePolicy: tc.policy}
		err := g.Provision(caddy.Context{Context: context.Background()})
		_ = g.Cleanup()
		if want := "gojinn: " + path + ": " + tc.want; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%+v: err = %v, want %s...", tc.policy, err, want)
		}
	}
}
