package guestlog

import (
	"bytes"
	"slices"
	"strings"
)

// Mask replaces a secret in what a Redactor redacts.
const Mask = "[redacted]"

// minCutSuffix is the shortest end of a secret that a Redactor still
// masks at the start of a tail cut inside the secret: shorter ends match
// too much text by chance to be worth it.
const minCutSuffix = 4

// Redactor replaces secrets (a handler's env values) in guest output by
// Mask. A nil *Redactor redacts nothing. It is safe for concurrent use.
type Redactor struct {
	secrets  []string // longest first
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor of the non-empty secrets, or nil when
// there is none.
func NewRedactor(secrets []string) *Redactor {
	var kept []string
	for _, s := range secrets {
		if s != "" && !slices.Contains(kept, s) {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	// The replacer tries its strings in order: a secret containing
	// another must win.
	slices.SortFunc(kept, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(kept))
	for _, s := range kept {
		pairs = append(pairs, s, Mask)
	}
	return &Redactor{secrets: kept, replacer: strings.NewReplacer(pairs...)}
}

// Redact returns s with every secret replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// redactBytes returns b, or a copy with every secret replaced.
func (r *Redactor) redactBytes(b []byte) []byte {
	if r == nil {
		return b
	}
	for _, s := range r.secrets {
		if bytes.Contains(b, []byte(s)) {
			return []byte(r.replacer.Replace(string(b)))
		}
	}
	return b
}

// redactTail is Redact for the end of a longer text, cut at its start:
// also the end of a secret cut there is replaced, when at least
// minCutSuffix bytes of it are left.
func (r *Redactor) redactTail(s string, cut bool) string {
	if r == nil {
		return s
	}
	s = r.replacer.Replace(s)
	if !cut {
		return s
	}
	for _, secret := range r.secrets {
		for k := len(secret) - 1; k >= minCutSuffix; k-- {
			if strings.HasPrefix(s, secret[len(secret)-k:]) {
				return Mask + s[k:]
			}
		}
	}
	return s
}

// WithRedactor makes the Writer replace r's secrets in every entry it
// logs and in Tail.
func WithRedactor(r *Redactor) Option {
	return func(w *Writer) { w.redactor = r }
}
