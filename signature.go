package gojinn

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/internal/signature"
	"github.com/gojinn/gojinn/metrics"
)

// Signature modes (the `signatures` subdirective).
const (
	signaturesRequired = "required"
	signaturesAudit    = "audit"
	signaturesOff      = "off"
)

// SignaturePolicy says which module signatures a handler accepts
// (docs/signing.md). It is embedded in the handler, and in the gojinn app
// as every handler's default: each of its two settings given on a
// handler replaces the app's.
type SignaturePolicy struct {
	// TrustedKeys are the Ed25519 public keys a module may be signed by:
	// each the key itself (standard base64 of its 32 raw bytes, the
	// content of the .pub file `gojinn keygen` writes) or the path of a
	// file holding one (that format, or a PEM "PUBLIC KEY" block).
	// Placeholders are resolved at load. Several keys allow a rotation.
	TrustedKeys []string `json:"trusted_keys,omitempty"`

	// Signatures is what a module must carry: "required" (a module that
	// is unsigned, badly signed or signed by a key not in TrustedKeys
	// fails the load), "audit" (it is loaded, with a warning and the
	// gojinn_module_signature metric) or "off" (no check). Default:
	// required when there are trusted keys, off otherwise.
	Signatures string `json:"signatures,omitempty"`
}

// verifySignature checks the module's signature against the handler's
// policy (the app's where the handler sets none) and sets g.signature.
// In required mode a module that fails the check fails the load; in
// audit mode it is logged as a warning.
func (g *Gojinn) verifySignature(ctx caddy.Context, wasm []byte) error {
	policy, err := g.signaturePolicy(ctx)
	if err != nil {
		return err
	}
	keys, err := policy.keys()
	if err != nil {
		return fmt.Errorf("gojinn: %s: %w", g.Path, err)
	}
	mode, err := policy.mode(len(keys))
	if err != nil {
		return fmt.Errorf("gojinn: %s: %w", g.Path, err)
	}
	state, reason := signatureState(mode, wasm, keys)
	switch {
	case mode == signaturesRequired && state != "verified":
		return fmt.Errorf("gojinn: %s: signatures required: %s", g.Path, reason)
	case state == "verified":
		g.signature = "verified by " + reason
		g.logger.Info("module signature verified", zap.String("module", g.Path), zap.String("key_id", reason))
	case mode == signaturesAudit:
		g.signature = state + " (audit)"
		g.logger.Warn("module signature not verified; loaded because signatures is audit",
			zap.String("module", g.Path), zap.String("state", state), zap.String("reason", reason))
	default:
		g.signature = signaturesOff
	}
	if mode == signaturesOff { // unchecked: no series, as without this feature
		return nil
	}
	if err := metrics.SetSignatureState(ctx.GetMetricsRegistry(), g.name, state); err != nil {
		return fmt.Errorf("gojinn: %s: registering metrics: %w", g.Path, err)
	}
	return nil
}

// signatureState checks wasm in mode and returns the metric's state and,
// for verified, the key id or, otherwise, why it is not verified.
func signatureState(mode string, wasm []byte, keys []ed25519.PublicKey) (state, reason string) {
	if mode == signaturesOff {
		return signaturesOff, ""
	}
	id, err := signature.Verify(wasm, keys)
	switch {
	case err == nil:
		return "verified", id.String()
	case errors.Is(err, signature.ErrUnsigned):
		return "unsigned", err.Error()
	case errors.Is(err, signature.ErrUnknownKey):
		return "unknown_key", err.Error()
	case errors.Is(err, signature.ErrBadSignature):
		return "bad_signature", err.Error()
	default:
		return "invalid", "malformed signature or module: " + err.Error()
	}
}

// signaturePolicy is the handler's policy, each setting it leaves empty
// taken from the gojinn app.
func (g *Gojinn) signaturePolicy(ctx caddy.Context) (resolvedPolicy, error) {
	p := resolvedPolicy{SignaturePolicy: g.SignaturePolicy, keysFrom: "trusted_key"}
	if len(p.TrustedKeys) > 0 && p.Signatures != "" {
		return p, nil
	}
	app := g.app
	if app == nil {
		v, err := ctx.AppIfConfigured("gojinn")
		if errors.Is(err, caddy.ErrNotConfigured) {
			return p, nil
		}
		if err != nil {
			return p, fmt.Errorf("gojinn: %s: loading the gojinn app: %w", g.Path, err)
		}
		app = v.(*App)
	}
	if len(p.TrustedKeys) == 0 {
		p.TrustedKeys, p.keysFrom = app.TrustedKeys, "the gojinn app's trusted_key"
	}
	if p.Signatures == "" {
		p.Signatures = app.Signatures
	}
	return p, nil
}

// resolvedPolicy is a handler's policy with the app's defaults applied.
type resolvedPolicy struct {
	SignaturePolicy
	keysFrom string // where TrustedKeys came from, for errors
}

// keys parses the trusted keys, resolving placeholders.
func (p resolvedPolicy) keys() ([]ed25519.PublicKey, error) {
	repl := caddy.NewReplacer()
	keys := make([]ed25519.PublicKey, 0, len(p.TrustedKeys))
	for _, v := range p.TrustedKeys {
		k, err := loadTrustedKey(repl.ReplaceKnown(v, ""))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.keysFrom, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// mode is the signatures mode, with its default applied.
func (p resolvedPolicy) mode(keys int) (string, error) {
	mode := caddy.NewReplacer().ReplaceKnown(p.Signatures, "")
	switch mode {
	case "":
		if keys > 0 {
			return signaturesRequired, nil
		}
		return signaturesOff, nil
	case signaturesOff:
		return mode, nil
	case signaturesRequired, signaturesAudit:
		if keys == 0 {
			return "", fmt.Errorf("signatures %s needs at least one trusted_key", mode)
		}
		return mode, nil
	default:
		return "", fmt.Errorf("signatures %q: want required, audit or off", mode)
	}
}

// loadTrustedKey reads a trusted_key value: a key, or a file holding one.
func loadTrustedKey(v string) (ed25519.PublicKey, error) {
	k, keyErr := signature.ParsePublicKey(v)
	if keyErr == nil {
		return k, nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return nil, fmt.Errorf("%q is not a public key (%v) nor a readable key file (%v)", v, keyErr, err)
	}
	if k, err = signature.ParsePublicKey(string(b)); err != nil {
		return nil, fmt.Errorf("key file %s: %w", v, err)
	}
	return k, nil
}
