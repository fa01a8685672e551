package natsbus

import (
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// MQTTConfig turns on the embedded server's MQTT listener and confines
// its clients: they authenticate as one user that may publish to
// Subjects and nothing else (no subscription, no other subject: not the
// KV buckets, the queues nor the JetStream API), while Gojinn's own
// connection authenticates with an nkey of its own.
type MQTTConfig struct {
	// Host is the listener's address.
	Host string
	// Port is the listener's port.
	Port int
	// User is the user name MQTT clients must send; with User "",
	// clients connect without credentials (and are confined the same).
	User string
	// Password is User's password.
	Password string
	// TLS, when not nil, makes the listener speak TLS.
	TLS *tls.Config
	// Subjects are the NATS subjects (MQTTSubjects) MQTT clients may
	// publish to.
	Subjects []string
}

// anonymousMQTTUser is the MQTT clients' NATS user when they send no
// credentials.
const anonymousMQTTUser = "mqtt"

// key says whether two configs set the server up the same way; the
// password enters only as a hash.
func (c *MQTTConfig) key() string {
	if c == nil {
		return ""
	}
	pw := sha256.Sum256([]byte(c.Password))
	return fmt.Sprintf("%s:%d user=%q pw=%x tls=%t subjects=%q", c.Host, c.Port, c.User, pw[:8], c.TLS != nil, c.Subjects)
}

// applyMQTT sets up opts for cfg and returns the option that connects
// Gojinn's own client: an nkey made for this server's life, so no
// password of Gojinn's is in the server's options.
func applyMQTT(opts *server.Options, cfg *MQTTConfig) (nats.Option, error) {
	auth, err := internalUser(opts)
	if err != nil {
		return nil, err
	}
	user := &server.User{
		Username: cfg.User,
		Password: cfg.Password,
		Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: cfg.Subjects},
			Subscribe: &server.SubjectPermission{Deny: []string{">"}},
		},
		AllowedConnectionTypes: map[string]struct{}{"MQTT": {}},
	}
	if cfg.User == "" {
		user.Username = anonymousMQTTUser
		opts.MQTT.NoAuthUser = anonymousMQTTUser
	}
	if len(cfg.Subjects) == 0 {
		// No filter configured: nothing may be published.
		user.Permissions.Publish = &server.SubjectPermission{Deny: []string{">"}}
	}
	opts.Users = []*server.User{user}
	opts.MQTT.Host, opts.MQTT.Port, opts.MQTT.TLSConfig = cfg.Host, cfg.Port, cfg.TLS
	return auth, nil
}

// MQTTSubjects returns the NATS subjects of an MQTT topic filter
// (sensors/+/temperature is sensors.*.temperature; a/# is a and a.>).
// The first level must be a topic name, not a wildcard nor $-prefixed,
// so that a filter never reaches NATS's own subjects ($JS, $KV...).
func MQTTSubjects(filter string) ([]string, error) {
	levels := strings.Split(filter, "/")
	if first := levels[0]; first == "" || first == "+" || first == "#" || strings.HasPrefix(first, "$") {
		return nil, fmt.Errorf("MQTT topic filter %q: its first level must be a name (not empty, a wildcard or $-prefixed)", filter)
	}
	tokens := make([]string, len(levels))
	for i, l := range levels {
		switch {
		case l == "+":
			tokens[i] = "*"
		case l == "#" && i == len(levels)-1:
			tokens[i] = ">"
		case l == "" || strings.ContainsAny(l, "+#.*> \t\r\n"):
			return nil, fmt.Errorf("MQTT topic filter %q: a level is empty or holds + or # with other characters, '.', '*', '>' or a space", filter)
		default:
			tokens[i] = l
		}
	}
	subject := strings.Join(tokens, ".")
	if tokens[len(tokens)-1] == ">" {
		// MQTT's a/# matches a itself too.
		return []string{strings.Join(tokens[:len(tokens)-1], "."), subject}, nil
	}
	return []string{subject}, nil
}

// MQTTTopic is the MQTT topic of a subject that nats-server's MQTT
// listener published: it writes a topic's '/' as '.', its '.' as "//",
// and marks an empty level with a '/' beside the '.' (nats-server's own
// reverse conversion, natsSubjectToMQTTTopic, is not exported).
func MQTTTopic(subject string) string {
	var b strings.Builder
	b.Grow(len(subject))
	for i := 0; i < len(subject); i++ {
		switch c := subject[i]; {
		case c == '.':
			b.WriteByte('/')
		case c == '/' && i+1 < len(subject) && subject[i+1] == '/':
			b.WriteByte('.')
			i++
		case c == '/' && i+1 < len(subject) && subject[i+1] == '.':
			b.WriteByte('/')
			i++
		case c == '/': // not written by nats-server
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
