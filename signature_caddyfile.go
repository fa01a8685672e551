package gojinn

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// The signature subdirectives, on a handler and as the gojinn app's
// defaults:
//
//	trusted_key <base64 public key>|<key file>   (repeatable)
//	signatures  required|audit|off
func init() {
	handlerOptions["trusted_key"] = handlerOption{
		parse: func(d *caddyfile.Dispenser, g *Gojinn) error {
			return appendTrustedKey(d, &g.SignaturePolicy)
		},
		repeatable: true,
	}
	handlerOptions["signatures"] = handlerOption{parse: func(d *caddyfile.Dispenser, g *Gojinn) error {
		return setSignatures(d, &g.SignaturePolicy)
	}}
	globalOptions["trusted_key"] = func(d *caddyfile.Dispenser, app *App) error {
		if err := appendTrustedKey(d, &app.SignaturePolicy); err != nil {
			return err
		}
		return noBlock(d, "trusted_key")
	}
	globalOptions["signatures"] = func(d *caddyfile.Dispenser, app *App) error {
		if app.Signatures != "" {
			return d.Err("signatures is given twice")
		}
		if err := setSignatures(d, &app.SignaturePolicy); err != nil {
			return err
		}
		return noBlock(d, "signatures")
	}
}

// appendTrustedKey reads `trusted_key <key or file>`. The key, or the
// file's content, is checked now so that a bad one names its line; a
// placeholder is checked at load.
func appendTrustedKey(d *caddyfile.Dispenser, p *SignaturePolicy) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	if !isPlaceholder(v) {
		if _, err := loadTrustedKey(v); err != nil {
			return d.Errf("trusted_key: %v", err)
		}
	}
	p.TrustedKeys = append(p.TrustedKeys, v)
	return nil
}

// setSignatures reads `signatures required|audit|off`.
func setSignatures(d *caddyfile.Dispenser, p *SignaturePolicy) error {
	v, err := oneArg(d)
	if err != nil {
		return err
	}
	switch v {
	case signaturesRequired, signaturesAudit, signaturesOff:
	default:
		if !isPlaceholder(v) {
			return d.Errf("signatures: %q is not required, audit or off", v)
		}
	}
	p.Signatures = v
	return nil
}

// noBlock refuses a block after a global option that takes none.
func noBlock(d *caddyfile.Dispenser, option string) error {
	if d.NextBlock(1) {
		return d.Errf("%s takes no block", option)
	}
	return nil
}
