// Package signature signs and verifies WebAssembly modules with Ed25519.
// A signature travels inside the module it signs, as a custom section, so
// a signed module is still a valid module for every other tool.
//
// The format (docs/signing.md):
//
//   - The section is a custom section (id 0) named "gojinn.signature"
//     (Name). Its payload, after the name, is exactly 73 bytes: a version
//     byte (Version, 1), the signing key's id (8 bytes: the first 8 bytes
//     of SHA-256 over the raw 32-byte public key) and the 64-byte Ed25519
//     signature.
//   - The signed message is the module's bytes with that whole section
//     removed: its id byte, its LEB128 size and its payload. Everything
//     else, other custom sections included, is signed. Signing appends
//     the section at the end of the module, after removing any earlier
//     one.
//   - A module has at most one such section; two are refused.
//
// Sections are found by walking the module's structure (id, LEB128 size,
// payload), never by searching for bytes.
package signature

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Name is the custom section's name.
const Name = "gojinn.signature"

// Version is the payload format this package writes and reads.
const Version = 1

// payloadSize is the section's payload after its name: version, key id,
// signature.
const payloadSize = 1 + KeyIDSize + ed25519.SignatureSize

// KeyIDSize is the length of a key id in bytes.
const KeyIDSize = 8

// KeyID names a public key: the first 8 bytes of its SHA-256.
type KeyID [KeyIDSize]byte

// String is the id in hex, as the CLI and the logs print it.
func (id KeyID) String() string { return hex.EncodeToString(id[:]) }

// IDOf returns the id of a public key.
func IDOf(pub ed25519.PublicKey) KeyID {
	sum := sha256.Sum256(pub)
	var id KeyID
	copy(id[:], sum[:KeyIDSize])
	return id
}

// Errors of Verify, to tell the states apart (errors.Is).
var (
	// ErrUnsigned: the module has no signature section.
	ErrUnsigned = errors.New("the module is not signed")
	// ErrUnknownKey: the signature names a key that is not trusted.
	ErrUnknownKey = errors.New("signed by a key that is not trusted")
	// ErrBadSignature: the signature does not match the module's bytes
	// (the module was changed after signing, or the section is damaged).
	ErrBadSignature = errors.New("the signature does not match the module")
)

// Signed is a module split into its signature and the message it signs.
type Signed struct {
	// Message is the module without its signature section.
	Message []byte
	// Present says the module has a signature section.
	Present bool
	// KeyID is the id of the key the section names.
	KeyID KeyID
	// Sig is the Ed25519 signature.
	Sig []byte
}

// Split walks the module's sections and separates the signature section
// from the rest. A module that is not well-formed at the section level
// (bad header, a size past the end, a bad name) is an error, as is a
// second signature section or a payload of another version or size.
func Split(module []byte) (Signed, error) {
	if len(module) < 8 || !bytes.Equal(module[:4], []byte("\x00asm")) {
		return Signed{}, errors.New("not a WebAssembly module (no \\0asm header)")
	}
	var s Signed
	start, end := -1, -1
	pos := 8
	for pos < len(module) {
		sectionStart := pos
		id := module[pos]
		pos++
		size, n, err := uleb32(module[pos:])
		if err != nil {
			return Signed{}, fmt.Errorf("section at byte %d: size: %w", sectionStart, err)
		}
		pos += n
		if uint64(size) > uint64(len(module)-pos) {
			return Signed{}, fmt.Errorf("section at byte %d: size %d goes past the end of the module", sectionStart, size)
		}
		payload := module[pos : pos+int(size)]
		pos += int(size)
		if id != 0 {
			continue
		}
		name, rest, err := customName(payload)
		if err != nil {
			return Signed{}, fmt.Errorf("custom section at byte %d: %w", sectionStart, err)
		}
		if name != Name {
			continue
		}
		if start >= 0 {
			return Signed{}, fmt.Errorf("two %s sections (at bytes %d and %d)", Name, start, sectionStart)
		}
		if len(rest) != payloadSize || rest[0] != Version {
			return Signed{}, fmt.Errorf("%s section at byte %d: want version %d and %d bytes, got %d bytes of version %d",
				Name, sectionStart, Version, payloadSize, len(rest), firstByte(rest))
		}
		start, end = sectionStart, pos
		s.Present = true
		copy(s.KeyID[:], rest[1:1+KeyIDSize])
		s.Sig = bytes.Clone(rest[1+KeyIDSize:])
	}
	if !s.Present {
		s.Message = module
		return s, nil
	}
	s.Message = make([]byte, 0, len(module)-(end-start))
	s.Message = append(append(s.Message, module[:start]...), module[end:]...)
	return s, nil
}

// Sign returns the module signed with priv: any signature section it had
// is removed and a new one appended at the end.
func Sign(module []byte, priv ed25519.PrivateKey) ([]byte, error) {
	s, err := Split(module)
	if err != nil {
		return nil, err
	}
	id := IDOf(priv.Public().(ed25519.PublicKey))
	payload := make([]byte, 0, 1+len(Name)+payloadSize)
	payload = appendULEB(payload, uint32(len(Name)))
	payload = append(payload, Name...)
	payload = append(payload, Version)
	payload = append(payload, id[:]...)
	payload = append(payload, ed25519.Sign(priv, s.Message)...)
	out := bytes.Clone(s.Message)
	out = append(out, 0)
	out = appendULEB(out, uint32(len(payload)))
	return append(out, payload...), nil
}

// Verify checks the module's signature against the trusted keys and
// returns the id of the key that signed it. Its errors wrap ErrUnsigned,
// ErrUnknownKey or ErrBadSignature, or say why the module is malformed.
func Verify(module []byte, trusted []ed25519.PublicKey) (KeyID, error) {
	s, err := Split(module)
	if err != nil {
		return KeyID{}, err
	}
	if !s.Present {
		return KeyID{}, ErrUnsigned
	}
	known := false
	for _, pub := range trusted {
		if IDOf(pub) != s.KeyID {
			continue
		}
		known = true
		if ed25519.Verify(pub, s.Message, s.Sig) {
			return s.KeyID, nil
		}
	}
	if !known {
		return s.KeyID, fmt.Errorf("%w (key id %s)", ErrUnknownKey, s.KeyID)
	}
	return s.KeyID, fmt.Errorf("%w (key id %s)", ErrBadSignature, s.KeyID)
}

// customName reads a custom section's name and returns it with the rest
// of the payload.
func customName(payload []byte) (string, []byte, error) {
	n, used, err := uleb32(payload)
	if err != nil {
		return "", nil, fmt.Errorf("name size: %w", err)
	}
	if uint64(n) > uint64(len(payload)-used) {
		return "", nil, errors.New("name goes past the end of the section")
	}
	return string(payload[used : used+int(n)]), payload[used+int(n):], nil
}

// uleb32 decodes an unsigned LEB128 number of at most 32 bits (5 bytes),
// as the binary format's sizes are, and returns it with its length.
func uleb32(b []byte) (uint32, int, error) {
	var v uint64
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0, errors.New("unexpected end of module")
		}
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if v > 0xffffffff {
				return 0, 0, errors.New("LEB128 number over 32 bits")
			}
			return uint32(v), i + 1, nil
		}
	}
	return 0, 0, errors.New("LEB128 number longer than 5 bytes")
}

func appendULEB(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}
