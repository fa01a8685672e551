package natsbus

import "strings"

// MaxKeyLen is the longest key, in bytes (docs/host-abi.md).
const MaxKeyLen = 1024

// A key is stored under a JetStream KV key, whose alphabet is
// ^[-/_=.a-zA-Z0-9]+$ with no empty dot-separated token. encodeKey keeps
// letters, digits, '-', '_' and '/' as they are and writes every other
// byte as '=' and two upper-case hex digits ("user:42" -> "user=3A42"):
// reversible, readable in `nats kv ls`, and never a '.' (so never an
// empty token). The longest key (1,024 bytes, all escaped) is 3,072
// characters, within NATS's 4,096-byte control line with the bucket's
// subject prefix.
func encodeKey(key string) string {
	n := 0
	for i := 0; i < len(key); i++ {
		if !plain(key[i]) {
			n++
		}
	}
	if n == 0 {
		return key
	}
	var b strings.Builder
	b.Grow(len(key) + 2*n)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if plain(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('=')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

const hexDigits = "0123456789ABCDEF"

func plain(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '/'
}

// decodeKey reverses encodeKey; ok is false for a key encodeKey cannot
// have written (one another NATS client put in the bucket).
func decodeKey(enc string) (key string, ok bool) {
	if !strings.Contains(enc, "=") {
		for i := 0; i < len(enc); i++ {
			if !plain(enc[i]) {
				return "", false
			}
		}
		return enc, true
	}
	b := make([]byte, 0, len(enc))
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		switch {
		case plain(c):
			b = append(b, c)
		case c == '=' && i+2 < len(enc):
			hi, lo := unhex(enc[i+1]), unhex(enc[i+2])
			if hi < 0 || lo < 0 || plain(byte(hi<<4|lo)) {
				return "", false
			}
			b = append(b, byte(hi<<4|lo))
			i += 2
		default:
			return "", false
		}
	}
	return string(b), true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	default:
		return -1
	}
}
