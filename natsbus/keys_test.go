package natsbus

import (
	"regexp"
	"strings"
	"testing"
)

// jetStreamKey is JetStream KV's key alphabet (nats.go's keyValid).
var jetStreamKey = regexp.MustCompile(`^[-/_=\.a-zA-Z0-9]+$`)

func TestKeyEncoding(t *testing.T) {
	for _, tc := range []struct{ key, enc string }{
		{"plain-key_1/2", "plain-key_1/2"},
		{"user:42", "user=3A42"},
		{"a.b", "a=2Eb"},
		{".", "=2E"},
		{"a..b", "a=2E=2Eb"},
		{"=", "=3D"},
		{"*>", "=2A=3E"},
		{"sp ace", "sp=20ace"},
		{"é", "=C3=A9"},
		{"\x00\xff", "=00=FF"},
	} {
		got := encodeKey(tc.key)
		if got != tc.enc {
			t.Errorf("encodeKey(%q) = %q, want %q", tc.key, got, tc.enc)
		}
		if !jetStreamKey.MatchString(got) || strings.Contains(got, ".") {
			t.Errorf("encodeKey(%q) = %q is not a JetStream key without dots", tc.key, got)
		}
		if back, ok := decodeKey(got); !ok || back != tc.key {
			t.Errorf("decodeKey(%q) = %q, %v; want %q", got, back, ok, tc.key)
		}
	}
	// Every byte value, and the longest key all escaped.
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	long := strings.Repeat("é", MaxKeyLen/2)
	for _, key := range []string{all.String(), long} {
		enc := encodeKey(key)
		if back, ok := decodeKey(enc); !ok || back != key || !jetStreamKey.MatchString(enc) {
			t.Errorf("round trip of a %d-byte key failed: %q", len(key), enc)
		}
	}
	if n := len(encodeKey(long)); n != 3*MaxKeyLen {
		t.Errorf("the longest key encodes to %d characters, want %d", n, 3*MaxKeyLen)
	}
}

// TestKeyDecodingRefusesForeignKeys: keys another client wrote, which
// encodeKey cannot produce, are not taken for a guest's keys.
func TestKeyDecodingRefusesForeignKeys(t *testing.T) {
	for _, enc := range []string{"a.b", "=", "=4", "=4G", "=3a", "=41", "x=2"} {
		if key, ok := decodeKey(enc); ok {
			t.Errorf("decodeKey(%q) = %q, want refused", enc, key)
		}
	}
}
