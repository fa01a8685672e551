// Command mqtt-go is the test guest of MQTT triggers (wasip1): it logs
// what it got as one JSON line on stderr, then answers by its body:
//
//	fail...   500 on every attempt
//	flaky...  500 until the third attempt (X-Gojinn-Attempt), then 200
//	anything else 200
package main

import (
	"encoding/json"
	"os"
	"strings"
)

type request struct {
	Method  string              `json:"method"`
	URI     string              `json:"uri"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

func header(r request, name string) string {
	if v := r.Headers[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stderr).Encode(map[string]string{
		"level":   "info",
		"msg":     "mqtt-go got a message",
		"method":  req.Method,
		"uri":     req.URI,
		"trigger": header(req, "X-Gojinn-Trigger"),
		"topic":   header(req, "X-Gojinn-Topic"),
		"attempt": header(req, "X-Gojinn-Attempt"),
		"body":    req.Body,
	})
	status := 200
	switch {
	case strings.HasPrefix(req.Body, "fail"):
		status = 500
	case strings.HasPrefix(req.Body, "flaky") && header(req, "X-Gojinn-Attempt") < "3":
		status = 500
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"status": status, "headers": map[string][]string{}, "body": ""})
}
