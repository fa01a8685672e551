package gojinn_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/gojinn/gojinn"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/natsbus"
)

// mqttClient runs a Mosquitto command-line client (Debian's
// mosquitto-clients) against the MQTT listener on port, and returns its
// output and error.
func mqttClient(t *testing.T, name, port string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is required (apt-get install mosquitto-clients): %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, append([]string{"-h", "127.0.0.1", "-p", port}, args...)...).CombinedOutput()
	return string(out), err
}

// publish publishes payload to topic with QoS 1 (mosquitto_pub returns
// once it has the PUBACK).
func publish(t *testing.T, port, topic, payload string) {
	t.Helper()
	if out, err := mqttClient(t, "mosquitto_pub", port, "-q", "1", "-t", topic, "-m", payload); err != nil {
		t.Fatalf("mosquitto_pub %s: %v: %s", topic, err, out)
	}
}

// guestRuns are the mqtt-go guest's log lines of body.
func guestRuns(t *testing.T, logFile, body string) []map[string]any {
	t.Helper()
	var runs []map[string]any
	for _, e := range allLogEntries(t, logFile) {
		if e["msg"] == "mqtt-go got a message" && e["body"] == body {
			runs = append(runs, e)
		}
	}
	return runs
}

// allLogEntries are the JSON entries of every logger in Caddy's log.
func allLogEntries(t *testing.T, logFile string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(readFile(t, logFile), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// waitForRuns polls the log until body ran n times (or more) and returns
// the runs.
func waitForRuns(t *testing.T, logFile, body string, n int) []map[string]any {
	t.Helper()
	for range 200 {
		if runs := guestRuns(t, logFile, body); len(runs) >= n {
			return runs
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%q did not run %d times in 20s; log:\n%s", body, n, readFile(t, logFile))
	return nil
}

// TestMQTTDelivers: QoS 1 messages from a real MQTT client reach the
// function of the matching filter as POST /mqtt/<topic>; a failing run
// gets the message again until it succeeds (exactly 3 runs for a guest
// that fails twice), and a message failing max_attempts times is moved,
// after exactly that many runs, to the MQTT dead-letter stream with its
// topic, payload, attempts and reason, with one error line.
func TestMQTTDelivers(t *testing.T) {
	wasm := testguest.Go(t, "mqtt-go")
	port := freeTCPPort(t)
	block := fmt.Sprintf(`%s
		mqtt_listen 127.0.0.1:%s
		mqtt "sensors/+/temperature" %[3]s
		mqtt "jobs/#" %[3]s {
			max_attempts 3
			backoff 100ms 200ms
			timeout 10s
		}`, dataDirBlock(stateDir(t)), port, wasm)
	_, logFile := kvServer(t, block, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")

	publish(t, port, "sensors/kitchen/temperature", "21.5")
	run := waitForRuns(t, logFile, "21.5", 1)[0]
	want := map[string]any{"method": "POST", "uri": "/mqtt/sensors/kitchen/temperature", "trigger": "mqtt", "topic": "sensors/kitchen/temperature", "attempt": "1"}
	for k, v := range want {
		if run[k] != v {
			t.Errorf("run %s = %v, want %v", k, run[k], v)
		}
	}

	// nats-server writes a '.' of a topic as "//" in the subject.
	publish(t, port, "sensors/hall.north/temperature", "19")
	if run := waitForRuns(t, logFile, "19", 1)[0]; run["topic"] != "sensors/hall.north/temperature" || run["uri"] != "/mqtt/sensors/hall.north/temperature" {
		t.Errorf("topic with a dot: got topic %v, uri %v", run["topic"], run["uri"])
	}

	publish(t, port, "jobs/flaky", "flaky")
	publish(t, port, "jobs", "fail") // jobs/# matches jobs itself
	deadLine := waitForLog(t, logFile, "gojinn.mqtt", func(e map[string]any) bool {
		return e["msg"] == "MQTT message dead-lettered after its last attempt"
	})
	if deadLine["topic"] != "jobs" || deadLine["attempts"] != 3.0 || deadLine["status"] != 500.0 {
		t.Errorf("dead-letter line %v, want topic jobs, 3 attempts, status 500", deadLine)
	}
	if runs := guestRuns(t, logFile, "fail"); len(runs) != 3 {
		t.Errorf("the failing message ran %d times, want 3 (max_attempts)", len(runs))
	}
	dead := mqttDeadLetters(t)
	if len(dead) != 1 {
		t.Fatalf("%d MQTT dead letters, want 1: %+v", len(dead), dead)
	}
	if d := dead[0]; d.Topic != "jobs" || d.Filter != "jobs/#" || string(d.Payload) != "fail" || d.Attempts != 3 ||
		d.Reason != "status 500" || !strings.Contains(d.StderrTail, "mqtt-go got a message") || d.ID == "" {
		t.Errorf("dead letter %+v, want topic jobs, filter jobs/#, payload fail, 3 attempts, reason status 500, the guest's stderr", d)
	}
	runs := waitForRuns(t, logFile, "flaky", 3)
	for i, r := range runs {
		if r["attempt"] != fmt.Sprint(i+1) {
			t.Errorf("flaky run %d has X-Gojinn-Attempt %v", i+1, r["attempt"])
		}
	}
	mfs := waitForMetric(t, "MQTT messages done", func(mfs families) bool {
		return mqttCount(mfs, "jobs/#", "done") == 1
	})
	if got := mqttCount(mfs, "jobs/#", "retried"); got != 4 {
		t.Errorf("retried = %v, want 4 (2 for the flaky message, 2 for the failing one)", got)
	}
	if got := mqttCount(mfs, "jobs/#", "dead"); got != 1 {
		t.Errorf("dead = %v, want 1", got)
	}
	if got := mqttCount(mfs, "sensors/+/temperature", "done"); got != 2 {
		t.Errorf("sensors done = %v, want 2", got)
	}
	if runs := guestRuns(t, logFile, "flaky"); len(runs) != 3 {
		t.Errorf("the flaky message ran %d times after it succeeded, want 3", len(runs))
	}
}

// mqttDeadLetters reads the MQTT dead-letter stream of the running
// config's gojinn app through its bus.
func mqttDeadLetters(t *testing.T) []natsbus.MQTTDeadLetter {
	t.Helper()
	v, err := caddy.ActiveContext().AppIfConfigured("gojinn")
	if err != nil {
		t.Fatal(err)
	}
	bus, err := v.(*gojinn.App).Bus()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dead, _, err := bus.MQTTDead(ctx, natsbus.DefaultPrefix+"mqtt", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	return dead
}

// mqttCount is gojinn_mqtt_messages_total{filter, outcome}.
func mqttCount(mfs families, filter, outcome string) float64 {
	for _, m := range mfs["gojinn_mqtt_messages_total"].GetMetric() {
		if l := labels(m); l["filter"] == filter && l["outcome"] == outcome {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestMQTTConfinement: an MQTT client publishes to the configured filters
// and nothing else: it cannot write or read a key-value store, reach
// JetStream's API or another subject, and cannot subscribe at all.
func TestMQTTConfinement(t *testing.T) {
	wasm := testguest.Go(t, "mqtt-go")
	port := freeTCPPort(t)
	block := fmt.Sprintf("%s\n\t\tmqtt_listen 127.0.0.1:%s\n\t\tmqtt \"sensors/#\" %s", dataDirBlock(stateDir(t)), port, wasm)
	tester, logFile := kvServer(t, block, kvSite(t, "9080", map[string]string{"/*": "sessions"}))
	url := "http://127.0.0.1:9080/"
	kvWant(t, tester.Client, url, "set sessions greeting hello", "0 1")

	for _, topic := range []string{"$KV/gojinn_sessions/greeting", "$JS/API/STREAM/DELETE/gojinn_mqtt", "other/topic"} {
		_, _ = mqttClient(t, "mosquitto_pub", port, "-q", "1", "-t", topic, "-m", "evil")
		subject := strings.ReplaceAll(topic, "/", ".")
		waitForLog(t, logFile, "gojinn.nats", func(e map[string]any) bool {
			msg, _ := e["msg"].(string)
			return strings.Contains(msg, "Publish Violation") && strings.Contains(msg, `"`+subject+`"`)
		})
	}
	kvWant(t, tester.Client, url, "get sessions greeting", "0 hello")
	for _, topic := range []string{"$KV/gojinn_sessions/#", "sensors/#", "#"} {
		out, err := mqttClient(t, "mosquitto_sub", port, "-q", "1", "-t", topic, "-C", "1", "-W", "5")
		if !strings.Contains(out, "All subscription requests were denied") {
			t.Errorf("mosquitto_sub %s: %v %q, want the subscription denied", topic, err, out)
		}
	}
	// The allowed filter still works, and nothing else ran.
	publish(t, port, "sensors/a", "ok")
	waitForRuns(t, logFile, "ok", 1)
	if runs := guestRuns(t, logFile, "evil"); len(runs) != 0 {
		t.Errorf("%d runs of messages outside the filters", len(runs))
	}
}

// TestMQTTSettingErrors: MQTT settings that would expose the listener or
// reach NATS's own subjects fail the load.
func TestMQTTSettingErrors(t *testing.T) {
	wasm := testguest.WAT(t, "ok")
	sub := func(filter string) []*gojinn.MQTTSubscription {
		return []*gojinn.MQTTSubscription{{Filter: filter, Function: &gojinn.Gojinn{Path: wasm}}}
	}
	cases := []struct {
		mqtt *gojinn.MQTT
		url  string
		want string
	}{
		{&gojinn.MQTT{Listen: "0.0.0.0:1883"}, "", "beyond loopback needs mqtt_user and mqtt_password over TLS"},
		{&gojinn.MQTT{Listen: "192.0.2.1:1883", User: "u", Password: "p"}, "", "beyond loopback needs"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883", User: "u"}, "", "mqtt_user and mqtt_password go together"},
		{&gojinn.MQTT{Listen: "127.0.0.1"}, "", "want host:port"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883", TLSCert: "/nonexistent.pem", TLSKey: "/nonexistent.key"}, "", "mqtt_tls"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883"}, "nats://127.0.0.1:1", "with nats_url, turn MQTT on in that server"},
		{&gojinn.MQTT{Subscriptions: sub("a/b")}, "", "mqtt filters need mqtt_listen"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883", Subscriptions: sub("$KV/x/#")}, "", "first level must be a name"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883", Subscriptions: sub("+/temperature")}, "", "first level must be a name"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883", Subscriptions: sub("a/#/b")}, "", "a level is empty or holds"},
		{&gojinn.MQTT{Listen: "127.0.0.1:1883", Subscriptions: sub("a/x.y")}, "", "a level is empty or holds"},
	}
	for i, tc := range cases {
		app := &gojinn.App{DataDir: t.TempDir(), NatsURL: tc.url, MQTT: tc.mqtt}
		if err := provision(t, app); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: %v, want %q", i, err, tc.want)
		}
	}
}

// TestMQTTOptionErrors: bad MQTT global options fail at adapt time.
func TestMQTTOptionErrors(t *testing.T) {
	cases := []struct{ block, want string }{
		{"mqtt_listen", "mqtt_listen takes exactly one argument"},
		{"mqtt_listen :1\n\t\tmqtt_listen :2", "mqtt_listen is given twice"},
		{"mqtt_tls a.pem", "mqtt_tls takes a certificate file and a key file"},
		{"mqtt a/b", "mqtt takes a topic filter and a WebAssembly module path"},
		{"mqtt a/b /x.wasm\n\t\tmqtt a/b /y.wasm", `mqtt "a/b" is given twice`},
		{"mqtt a/b /x.wasm {\n\t\t\tbackoff 0s\n\t\t}", `backoff: "0s" is not a duration greater than 0`},
		{"mqtt a/b /x.wasm {\n\t\t\tmax_attempts 0\n\t\t}", "max_attempts"},
		{"mqtt a/b /x.wasm {\n\t\t\tnope\n\t\t}", `unknown subdirective "nope"`},
	}
	for _, tc := range cases {
		cfg := "{\n\tgojinn {\n\t\t" + tc.block + "\n\t}\n}\n:8080 {\n\trespond ok\n}\n"
		_, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), map[string]any{"filename": "/etc/caddy/Caddyfile"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.block, err, tc.want)
		}
	}
}

// TestMQTTAuthOverTLS: with mqtt_user, mqtt_password and mqtt_tls, a
// client with the password over TLS gets its message run; a wrong
// password, or no TLS, is refused. A reload that changes the MQTT
// settings fails and leaves the running config.
func TestMQTTAuthOverTLS(t *testing.T) {
	wasm := testguest.Go(t, "mqtt-go")
	port := freeTCPPort(t)
	cert, key := selfSignedCert(t)
	t.Setenv("GOJINN_TEST_MQTT_PASSWORD", "s3cret-pw")
	dataDir := dataDirBlock(stateDir(t))
	block := func(filter string) string {
		return fmt.Sprintf(`%s
		mqtt_listen 127.0.0.1:%s
		mqtt_user device
		mqtt_password {env.GOJINN_TEST_MQTT_PASSWORD}
		mqtt_tls %s %s
		mqtt %q %s`, dataDir, port, cert, key, filter, wasm)
	}
	site := "http://127.0.0.1:9080 {\n\trespond ok\n}\n"
	_, logFile := kvServer(t, block("sensors/#"), site)

	tlsArgs := []string{"--cafile", cert, "--insecure", "-q", "1", "-t", "sensors/a"}
	if out, err := mqttClient(t, "mosquitto_pub", port, append(tlsArgs, "-u", "device", "-P", "s3cret-pw", "-m", "good")...); err != nil {
		t.Fatalf("mosquitto_pub with the password over TLS: %v: %s", err, out)
	}
	waitForRuns(t, logFile, "good", 1)
	if out, err := mqttClient(t, "mosquitto_pub", port, append(tlsArgs, "-u", "device", "-P", "wrong", "-m", "wrong-password")...); err == nil {
		t.Errorf("a wrong password was accepted: %s", out)
	}
	if out, err := mqttClient(t, "mosquitto_pub", port, "-q", "1", "-t", "sensors/a", "-u", "device", "-P", "s3cret-pw", "-m", "plaintext"); err == nil {
		t.Errorf("a client without TLS was accepted: %s", out)
	}
	if strings.Contains(readFile(t, logFile), "s3cret-pw") {
		t.Error("the MQTT password is in the log")
	}

	// The MQTT setup is the embedded server's: changing it needs a restart.
	resp, err := http.Post("http://localhost:2999/load", "text/caddyfile", strings.NewReader(kvGlobals(logFile, block("other/#"))+"\n"+site))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK || !strings.Contains(string(body), "take effect when Caddy restarts") {
		t.Errorf("a reload with another filter: %d %s, want an error", resp.StatusCode, body)
	}
	if out, err := mqttClient(t, "mosquitto_pub", port, append(tlsArgs, "-u", "device", "-P", "s3cret-pw", "-m", "after-reload")...); err != nil {
		t.Fatalf("mosquitto_pub after the failed reload: %v: %s", err, out)
	}
	waitForRuns(t, logFile, "after-reload", 1)
	if runs := guestRuns(t, logFile, "wrong-password"); len(runs)+len(guestRuns(t, logFile, "plaintext")) != 0 {
		t.Error("a refused client's message ran")
	}
}

// selfSignedCert writes a self-signed certificate for 127.0.0.1 and its
// key, and returns their paths.
func selfSignedCert(t *testing.T) (cert, key string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gojinn test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestMQTTReloadMidRun: a reload while a run is stuck gives the run 5 s,
// cancels it, and the new config runs the message again at once (the
// message is not lost, and the reload does not wait for the run's
// timeout).
func TestMQTTReloadMidRun(t *testing.T) {
	loop, sink := testguest.WAT(t, "loop"), testguest.Go(t, "mqtt-go")
	port := freeTCPPort(t)
	dataDir := dataDirBlock(stateDir(t))
	block := func(wasm string) string {
		return fmt.Sprintf("%s\n\t\tmqtt_listen 127.0.0.1:%s\n\t\tmqtt \"slow/#\" %s {\n\t\t\ttimeout 60s\n\t\t}", dataDir, port, wasm)
	}
	site := "http://127.0.0.1:9080 {\n\trespond ok\n}\n"
	kvServer(t, block(loop), site)
	publish(t, port, "slow/a", "stuck")
	waitForMetric(t, "the stuck run", func(mfs families) bool {
		return value(mfs, "gojinn_active_sandboxes", "handler", "mqtt:slow/#") == 1
	})

	start := time.Now()
	_, logFile := kvServer(t, block(sink), site)
	if took := time.Since(start); took > 50*time.Second {
		t.Errorf("the reload took %v: it waited for the run's timeout", took)
	}
	run := waitForRuns(t, logFile, "stuck", 1)[0]
	if run["attempt"] != "2" {
		t.Errorf("the new config's run has X-Gojinn-Attempt %v, want 2", run["attempt"])
	}
}

// TestMQTTNatsURL: with nats_url, mqtt filters run their functions for the
// messages of that server's own MQTT listener, through its JetStream.
func TestMQTTNatsURL(t *testing.T) {
	wasm := testguest.Go(t, "mqtt-go")
	port := freeTCPPort(t)
	url, _ := natsServer(t, "2MB", fmt.Sprintf("server_name: external\nmqtt { listen: 127.0.0.1:%s }", port))
	t.Setenv("GOJINN_TEST_NATS_URL", url)
	block := fmt.Sprintf("\t\tnats_url {env.GOJINN_TEST_NATS_URL}\n\t\tmqtt \"sensors/#\" %s", wasm)
	_, logFile := kvServer(t, block, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")
	publish(t, port, "sensors/roof", "external")
	if run := waitForRuns(t, logFile, "external", 1)[0]; run["uri"] != "/mqtt/sensors/roof" {
		t.Errorf("run uri %v", run["uri"])
	}
}

// TestMQTTOptions: the worked example of docs/events.md adapts to the app's
// mqtt JSON, placeholders kept as written.
func TestMQTTOptions(t *testing.T) {
	cfg := `{
	gojinn {
		mqtt_listen   0.0.0.0:8883
		mqtt_user     sensors
		mqtt_password {env.MQTT_PASSWORD}
		mqtt_tls      /etc/gojinn/mqtt.pem /etc/gojinn/mqtt-key.pem
		mqtt "sensors/+/temperature" /srv/fn/ingest.wasm {
			timeout 2s
			kv readings
			max_attempts 3
			backoff 2s 1m
			concurrency 8
		}
	}
}
:8080 {
	respond ok
}
`
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Apps struct {
			Gojinn struct {
				MQTT json.RawMessage `json:"mqtt"`
			} `json:"gojinn"`
		} `json:"apps"`
	}
	if err := json.Unmarshal(out, &parsed); err != nil {
		t.Fatal(err)
	}
	want := `{"listen":"0.0.0.0:8883","user":"sensors","password":"{env.MQTT_PASSWORD}","tls_cert":"/etc/gojinn/mqtt.pem","tls_key":"/etc/gojinn/mqtt-key.pem",` +
		`"subscriptions":[{"filter":"sensors/+/temperature","function":{"path":"/srv/fn/ingest.wasm","timeout":2000000000,"kv":[{"store":"readings"}]},` +
		`"max_attempts":3,"backoff":2000000000,"backoff_max":60000000000,"concurrency":8}]}`
	if string(parsed.Apps.Gojinn.MQTT) != want {
		t.Errorf("mqtt JSON\n%s\nwant\n%s", parsed.Apps.Gojinn.MQTT, want)
	}
}
