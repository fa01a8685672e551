package gojinn

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func init() {
	globalOptions["mqtt_listen"] = mqttSetting(func(m *MQTT) *string { return &m.Listen })
	globalOptions["mqtt_user"] = mqttSetting(func(m *MQTT) *string { return &m.User })
	globalOptions["mqtt_password"] = mqttSetting(func(m *MQTT) *string { return &m.Password })
	globalOptions["mqtt_tls"] = parseMQTTTLS
	globalOptions["mqtt"] = parseMQTTSubscription
}

// mqttOf is the app's MQTT settings, made on first use.
func mqttOf(app *App) *MQTT {
	if app.MQTT == nil {
		app.MQTT = new(MQTT)
	}
	return app.MQTT
}

// mqttSetting parses a one-argument option, given at most once, into the
// field that field returns.
func mqttSetting(field func(*MQTT) *string) func(*caddyfile.Dispenser, *App) error {
	return func(d *caddyfile.Dispenser, app *App) error {
		option := d.Val()
		p := field(mqttOf(app))
		if *p != "" {
			return d.Errf("%s is given twice", option)
		}
		v, err := oneArg(d)
		if err != nil {
			return err
		}
		if v == "" {
			return d.Errf("%s: empty value", option)
		}
		*p = v
		if d.NextBlock(1) {
			return d.Errf("%s takes no block", option)
		}
		return nil
	}
}

// parseMQTTTLS reads `mqtt_tls <cert> <key>`.
func parseMQTTTLS(d *caddyfile.Dispenser, app *App) error {
	m := mqttOf(app)
	if m.TLSCert != "" {
		return d.Err("mqtt_tls is given twice")
	}
	args := d.RemainingArgs()
	if len(args) != 2 {
		return d.Errf("mqtt_tls takes a certificate file and a key file, got %d arguments", len(args))
	}
	m.TLSCert, m.TLSKey = args[0], args[1]
	if d.NextBlock(1) {
		return d.Err("mqtt_tls takes no block")
	}
	return nil
}

// parseMQTTSubscription reads
//
//	mqtt <filter> <wasm> {
//	    max_attempts <n>
//	    backoff      <first> [<cap>]
//	    concurrency  <n>
//	    ...the handler's subdirectives
//	}
func parseMQTTSubscription(d *caddyfile.Dispenser, app *App) error {
	seg := d.NewFromNextSegment()
	seg.Next() // mqtt
	args := seg.RemainingArgs()
	if len(args) != 2 {
		return seg.Errf("mqtt takes a topic filter and a WebAssembly module path, got %d arguments", len(args))
	}
	m := mqttOf(app)
	for _, other := range m.Subscriptions {
		if other.Filter == args[0] {
			return seg.Errf("mqtt %q is given twice", args[0])
		}
	}
	s := &MQTTSubscription{Filter: args[0], Function: &Gojinn{Path: args[1]}}
	err := s.Function.unmarshalBlock(seg, func(d *caddyfile.Dispenser, option string) (bool, error) {
		var err error
		switch option {
		case "max_attempts":
			s.MaxAttempts, err = intArg(d, 1)
		case "concurrency":
			s.Concurrency, err = intArg(d, 1)
		case "backoff":
			err = s.unmarshalBackoff(d)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	m.Subscriptions = append(m.Subscriptions, s)
	return nil
}

// unmarshalBackoff reads `backoff <first> [<cap>]`.
func (s *MQTTSubscription) unmarshalBackoff(d *caddyfile.Dispenser) error {
	first, limit, err := backoffArgs(d)
	if err != nil {
		return err
	}
	s.Backoff, s.BackoffMax = first, limit
	return nil
}
