package signature_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/internal/signature"
	"github.com/gojinn/gojinn/internal/testguest"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// custom is a custom section named name with payload.
func custom(name string, payload []byte) []byte {
	body := append([]byte{byte(len(name))}, name...)
	body = append(body, payload...)
	return append([]byte{0, byte(len(body))}, body...)
}

// A signed module is the message plus one section at its end; it verifies,
// and a second signing replaces the section (Ed25519 is deterministic: the
// same bytes).
func TestSignVerify(t *testing.T) {
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	pub, priv := newKey(t)
	signed, err := signature.Sign(module, priv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(signed, module) {
		t.Fatal("signing changed the module's own bytes instead of appending a section")
	}
	tail := signed[len(module):]
	if len(tail) != 2+1+len(signature.Name)+73 || tail[0] != 0 || string(tail[3:3+len(signature.Name)]) != signature.Name {
		t.Fatalf("appended section = % x", tail)
	}
	id, err := signature.Verify(signed, []ed25519.PublicKey{pub})
	if err != nil || id != signature.IDOf(pub) {
		t.Fatalf("Verify = %s, %v", id, err)
	}
	again, err := signature.Sign(signed, priv)
	if err != nil || !bytes.Equal(again, signed) {
		t.Fatalf("re-signing: %v; equal %v", err, bytes.Equal(again, signed))
	}
	s, _ := signature.Split(signed)
	if !bytes.Equal(s.Message, module) {
		t.Fatal("the message is not the module without its signature section")
	}
}

// The section may sit anywhere; the message is the module without it,
// other custom sections included.
func TestSignatureInTheMiddle(t *testing.T) {
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	pub, priv := newKey(t)
	extra := custom("producers", []byte("x"))
	message := append(bytes.Clone(module), extra...)
	signed, err := signature.Sign(message, priv)
	if err != nil {
		t.Fatal(err)
	}
	section := signed[len(message):]
	moved := append(append(append(bytes.Clone(module[:8]), section...), module[8:]...), extra...)
	if _, err := signature.Verify(moved, []ed25519.PublicKey{pub}); err != nil {
		t.Fatalf("a signature section before the others: %v", err)
	}
	withoutExtra := append(bytes.Clone(module), section...)
	if _, err := signature.Verify(withoutExtra, []ed25519.PublicKey{pub}); !errors.Is(err, signature.ErrBadSignature) {
		t.Fatalf("a custom section removed after signing: %v, want ErrBadSignature", err)
	}
}

// Every byte of the module outside the signature section is signed.
func TestEveryByteIsSigned(t *testing.T) {
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	pub, priv := newKey(t)
	signed, err := signature.Sign(module, priv)
	if err != nil {
		t.Fatal(err)
	}
	for i := range module {
		tampered := bytes.Clone(signed)
		tampered[i] ^= 0x01
		if _, err := signature.Verify(tampered, []ed25519.PublicKey{pub}); err == nil {
			t.Fatalf("byte %d changed and the signature still verifies", i)
		}
	}
	tampered := bytes.Clone(signed)
	tampered[len(tampered)-1] ^= 0x01 // in the signature itself
	if _, err := signature.Verify(tampered, []ed25519.PublicKey{pub}); !errors.Is(err, signature.ErrBadSignature) {
		t.Fatalf("a changed signature: %v", err)
	}
}

func TestVerifyStates(t *testing.T) {
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	pub, priv := newKey(t)
	other, _ := newKey(t)
	signed, err := signature.Sign(module, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signature.Verify(module, []ed25519.PublicKey{pub}); !errors.Is(err, signature.ErrUnsigned) {
		t.Errorf("unsigned: %v", err)
	}
	if _, err := signature.Verify(signed, []ed25519.PublicKey{other}); !errors.Is(err, signature.ErrUnknownKey) ||
		!strings.Contains(err.Error(), signature.IDOf(pub).String()) {
		t.Errorf("another key: %v", err)
	}
	if id, err := signature.Verify(signed, []ed25519.PublicKey{other, pub}); err != nil || id != signature.IDOf(pub) {
		t.Errorf("two trusted keys: %s %v", id, err)
	}
}

// Malformed modules and signature sections are errors, not "unsigned".
func TestSplitRefusesMalformed(t *testing.T) {
	module := testguest.Read(t, testguest.WAT(t, "ok"))
	_, priv := newKey(t)
	signed, err := signature.Sign(module, priv)
	if err != nil {
		t.Fatal(err)
	}
	section := signed[len(module):]
	payload := section[3+len(signature.Name):]
	badVersion := bytes.Clone(payload)
	badVersion[0] = 2
	cases := map[string][]byte{
		"no header":         []byte("not wasm at all"),
		"size past the end": append(bytes.Clone(module), 1, 0x7f),
		"truncated LEB":     append(bytes.Clone(module), 1, 0x80),
		"two signatures":    append(bytes.Clone(signed), section...),
		"short payload":     append(bytes.Clone(module), custom(signature.Name, payload[:72])...),
		"other version":     append(bytes.Clone(module), custom(signature.Name, badVersion)...),
		"name past the end": append(bytes.Clone(module), 0, 2, 0x10, 'g'),
	}
	for name, b := range cases {
		if _, err := signature.Split(b); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := signature.Verify(b, nil); err == nil || errors.Is(err, signature.ErrUnsigned) {
			t.Errorf("%s: Verify = %v, want a malformed-module error", name, err)
		}
	}
}

func TestParsePublicKey(t *testing.T) {
	pub, _ := newKey(t)
	b64 := base64.StdEncoding.EncodeToString(pub)
	if k, err := signature.ParsePublicKey(" " + b64 + "\n"); err != nil || !k.Equal(pub) {
		t.Errorf("base64: %v", err)
	}
	const pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
	if _, err := signature.ParsePublicKey(pem); err != nil {
		t.Errorf("PEM: %v", err)
	}
	for _, bad := range []string{"", "abc", base64.StdEncoding.EncodeToString(pub[:31]), "not base64!"} {
		if _, err := signature.ParsePublicKey(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// BenchmarkVerify verifies a standard Go (wasip1) module: the cost a load
// adds per handler when signatures are checked.
func BenchmarkVerify(b *testing.B) {
	module := testguest.Read(b, testguest.Go(b, "echo-go"))
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	signed, err := signature.Sign(module, priv)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(signed)))
	for b.Loop() {
		if _, err := signature.Verify(signed, []ed25519.PublicKey{pub}); err != nil {
			b.Fatal(err)
		}
	}
}

// knownAnswer is testdata/signature/vector.json, which the TypeScript
// tests check too: both implementations sign the same bytes.
type knownAnswer struct {
	Seed      string `json:"seed"`
	PublicKey string `json:"public_key"`
	KeyID     string `json:"key_id"`
	Module    string `json:"module"`
	Signed    string `json:"signed"`
}

func TestKnownAnswer(t *testing.T) {
	var v knownAnswer
	if err := json.Unmarshal(testguest.Read(t, filepath.Join(testguest.Root(), "testdata", "signature", "vector.json")), &v); err != nil {
		t.Fatal(err)
	}
	seed, _ := hex.DecodeString(v.Seed)
	module, _ := hex.DecodeString(v.Module)
	want, _ := hex.DecodeString(v.Signed)
	priv := ed25519.NewKeyFromSeed(seed)
	pub, err := signature.ParsePublicKey(v.PublicKey)
	if err != nil || !pub.Equal(priv.Public()) || signature.IDOf(pub).String() != v.KeyID {
		t.Fatalf("the vector's public key or key id does not match its seed (%v)", err)
	}
	signed, err := signature.Sign(module, priv)
	if err != nil || !bytes.Equal(signed, want) {
		t.Fatalf("Sign = %x, %v\nwant   %x", signed, err, want)
	}
	if _, err := signature.Verify(want, []ed25519.PublicKey{pub}); err != nil {
		t.Fatal(err)
	}
}
