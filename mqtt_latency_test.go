package gojinn_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
)

// TestMQTTLatency measures the time from an MQTT client's PUBLISH (QoS 1,
// one client, one message at a time) to the function's first stderr line
// (echo-stderr writes its request once it has read it), from the
// timestamps of Caddy's log. A measurement, not a check: it runs only
// with GOJINN_MQTT_LATENCY=1 (docs/events.md quotes it):
//
//	GOJINN_MQTT_LATENCY=1 flock /tmp/gojinn-root-tests.lock go test -count=1 -run TestMQTTLatency -v .
func TestMQTTLatency(t *testing.T) {
	if os.Getenv("GOJINN_MQTT_LATENCY") == "" {
		t.Skip("a measurement: set GOJINN_MQTT_LATENCY=1")
	}
	wasm := testguest.WAT(t, "echo-stderr")
	port := freeTCPPort(t)
	block := fmt.Sprintf("%s\n\t\tmqtt_listen 127.0.0.1:%s\n\t\tmqtt \"bench/#\" %s", dataDirBlock(stateDir(t)), port, wasm)
	_, logFile := kvServer(t, block, "http://127.0.0.1:9080 {\n\trespond ok\n}\n")

	c := dialMQTT(t, port)
	const n = 300
	sent := make([]time.Time, n)
	for i := range n {
		sent[i] = time.Now()
		c.publish(t, "bench/x", fmt.Sprintf("m%06d", i), uint16(i+1))
		time.Sleep(2 * time.Millisecond) // low load: one message at a time
	}
	time.Sleep(time.Second)
	var lat []time.Duration
	for _, e := range allLogEntries(t, logFile) {
		msg, _ := e["msg"].(string)
		i := strings.Index(msg, `"body":"m`)
		ts, ok := e["ts"].(float64)
		if e["source"] != "guest" || i < 0 || !ok {
			continue
		}
		var k int
		if _, err := fmt.Sscanf(msg[i+len(`"body":"m`):], "%06d", &k); err != nil || k >= n {
			continue
		}
		sec, frac := math.Modf(ts)
		lat = append(lat, time.Unix(int64(sec), int64(frac*1e9)).Sub(sent[k]))
	}
	if len(lat) != n {
		t.Fatalf("%d of %d messages ran", len(lat), n)
	}
	slices.Sort(lat)
	t.Logf("MQTT PUBLISH to function start, %d messages: p50 %v, p90 %v, p99 %v, max %v",
		n, lat[n/2], lat[n*9/10], lat[n*99/100], lat[n-1])
}

// mqttConn is a minimal MQTT 3.1.1 client: CONNECT, then QoS 1 PUBLISH
// waiting for each PUBACK.
type mqttConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialMQTT(t *testing.T, port string) *mqttConn {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &mqttConn{conn: conn, r: bufio.NewReader(conn)}
	// Protocol "MQTT" level 4, clean session, keep-alive 60 s, client id.
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60}, mqttString("gojinn-latency")...)
	c.write(t, 0x10, body)
	if typ, rest := c.read(t); typ != 0x20 || len(rest) != 2 || rest[1] != 0 {
		t.Fatalf("CONNACK: type %#x %v", typ, rest)
	}
	return c
}

func (c *mqttConn) publish(t *testing.T, topic, payload string, id uint16) {
	t.Helper()
	body := binary.BigEndian.AppendUint16(mqttString(topic), id)
	c.write(t, 0x32, append(body, payload...))
	if typ, rest := c.read(t); typ != 0x40 || len(rest) != 2 || binary.BigEndian.Uint16(rest) != id {
		t.Fatalf("PUBACK: type %#x %v", typ, rest)
	}
}

func mqttString(s string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(s))), s...)
}

func (c *mqttConn) write(t *testing.T, header byte, body []byte) {
	t.Helper()
	pkt := []byte{header}
	for n := len(body); ; {
		b := byte(n % 128)
		if n /= 128; n > 0 {
			b |= 0x80
		}
		pkt = append(pkt, b)
		if n == 0 {
			break
		}
	}
	if _, err := c.conn.Write(append(pkt, body...)); err != nil {
		t.Fatal(err)
	}
}

func (c *mqttConn) read(t *testing.T) (byte, []byte) {
	t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	typ, err := c.r.ReadByte()
	if err != nil {
		t.Fatal(err)
	}
	n, shift := 0, 0
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			t.Fatal(err)
		}
		n |= int(b&0x7f) << shift
		if b&0x80 == 0 {
			break
		}
		shift += 7
	}
	rest := make([]byte, n)
	if _, err := io.ReadFull(c.r, rest); err != nil {
		t.Fatal(err)
	}
	return typ, rest
}
