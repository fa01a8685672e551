package gojinn_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/gojinn/gojinn/internal/testguest"
)

// A guest granted `enqueue orders` (kv-do's "enqueue" operation) adds a
// job that the queue's function (queue-probe, which logs each run's
// request) then runs: POST /queue/orders with the guest's body and the job
// id the guest got. A queue the block does not grant is denied, with its
// log line, and runs nothing.
func TestEnqueueFromGuest(t *testing.T) {
	probe := testguest.WAT(t, "queue-probe")
	block := dataDirBlock(stateDir(t)) + fmt.Sprintf("\n\t\tqueue orders %s {\n\t\t}\n\t\tqueue billing %s {\n\t\t}", probe, probe)
	site := fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tenqueue orders\n\t}\n}\n", testguest.WAT(t, "kv-do"))
	tester, logFile := kvServer(t, block, site)

	status, id, _ := strings.Cut(kvDo(t, tester.Client, base, "enqueue orders order-42"), " ")
	if status != "0" || id == "" {
		t.Fatalf("enqueue orders: status %s, id %q; want 0 (ok) and an id", status, id)
	}
	run := waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return strings.Contains(fmt.Sprint(e["msg"]), "order-42")
	})
	line := fmt.Sprint(run["msg"])
	for _, want := range []string{`"method":"POST"`, `"uri":"/queue/orders"`, `"body":"order-42"`, id, `"X-Gojinn-Trigger":["queue"]`} {
		if !strings.Contains(line, want) {
			t.Errorf("the job's run got %s, want it to hold %s", line, want)
		}
	}

	kvWant(t, tester.Client, base, "enqueue billing secret-job", "2") // denied
	waitForLog(t, logFile, "http.handlers.gojinn", func(e map[string]any) bool {
		return e["msg"] == "host call denied" && strings.Contains(fmt.Sprint(e), `queue "billing" is not granted`)
	})
	kvDo(t, tester.Client, base, "enqueue orders after-denied")
	waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return strings.Contains(fmt.Sprint(e["msg"]), "after-denied")
	})
	for _, e := range logEntries(t, logFile, "gojinn") {
		if strings.Contains(fmt.Sprint(e["msg"]), "secret-job") {
			t.Errorf("the denied job ran: %v", e)
		}
	}
}

// A grant of a queue the gojinn app lacks fails the load, naming it.
func TestEnqueueGrantUnknownQueue(t *testing.T) {
	probe := testguest.WAT(t, "queue-probe")
	cfg := kvGlobals(t.TempDir()+"/caddy.log", dataDirBlock(stateDir(t))+"\n\t\tqueue orders "+probe) +
		fmt.Sprintf("\nhttp://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tenqueue orders shipping\n\t}\n}\n", testguest.WAT(t, "kv-do"))
	caddytest.AssertLoadError(t, cfg, "caddyfile", "enqueue: no queue \\\"shipping\\\" in the gojinn global options")
}

// The Go SDK's gojinn.Enqueue (testdata/guests/sdkgo-enqueue) through the
// real host: the job it enqueues runs with its body and the id it
// returned; a queue not granted is ErrDenied.
func TestEnqueueFromGoSDK(t *testing.T) {
	probe := testguest.WAT(t, "queue-probe")
	wasm := testguest.Go(t, "sdkgo-enqueue")
	block := dataDirBlock(stateDir(t)) + fmt.Sprintf("\n\t\tqueue orders %s {\n\t\t}", probe)
	tester, logFile := kvServer(t, block, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tenqueue orders\n\t}\n}\n", wasm))

	resp, id := do(t, tester, newRequest(t, "POST", base+"/?queue=orders", strings.NewReader("go-order-7")))
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("Enqueue: %d %q, want 200 and the job id", resp.StatusCode, id)
	}
	run := waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return strings.Contains(fmt.Sprint(e["msg"]), "go-order-7")
	})
	if line := fmt.Sprint(run["msg"]); !strings.Contains(line, `"X-Gojinn-Job-Id":["`+id+`"]`) {
		t.Errorf("the job's run got %s, want the id %s", line, id)
	}
	resp, got := do(t, tester, newRequest(t, "POST", base+"/?queue=billing", strings.NewReader("x")))
	if resp.StatusCode != 502 || !strings.Contains(got, "gojinn: enqueue to billing: denied") {
		t.Errorf("ungranted queue: %d %q, want 502 and the ErrDenied text", resp.StatusCode, got)
	}
}

// A queue's function may enqueue too: `first`'s function
// (sdkgo-enqueue, granted `enqueue second`) runs the job "second
// chained-9" by adding a job "chained-9" to `second`, a queue declared
// after it (so opened after `first`'s function was provisioned); `second`'s
// function runs it.
func TestEnqueueFromQueueFunction(t *testing.T) {
	probe := testguest.WAT(t, "queue-probe")
	wasm := testguest.Go(t, "sdkgo-enqueue")
	block := dataDirBlock(stateDir(t)) + fmt.Sprintf("\n\t\tqueue first %s {\n\t\t\tenqueue second\n\t\t}\n\t\tqueue second %s {\n\t\t}", wasm, probe)
	tester, logFile := kvServer(t, block, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tenqueue first\n\t}\n}\n", wasm))

	resp, id := do(t, tester, newRequest(t, "POST", base+"/?queue=first", strings.NewReader("second chained-9")))
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("enqueue first: %d %q, want 200 and the job id", resp.StatusCode, id)
	}
	run := waitForLog(t, logFile, "gojinn", func(e map[string]any) bool {
		return strings.Contains(fmt.Sprint(e["msg"]), "chained-9")
	})
	if line := fmt.Sprint(run["msg"]); !strings.Contains(line, `"uri":"/queue/second"`) || !strings.Contains(line, `"body":"chained-9"`) {
		t.Errorf("the chained job's run got %s, want chained-9 on /queue/second", line)
	}
}

// In JSON, a bad queue name or one granted twice fails the load, naming it.
func TestEnqueueGrantJSONErrors(t *testing.T) {
	kvdo, probe, dir := testguest.WAT(t, "kv-do"), testguest.WAT(t, "queue-probe"), t.TempDir()
	for grant, want := range map[string]string{
		`["my.queue"]`:        `enqueue: \"my.queue\" is not a valid queue name`,
		`["orders","orders"]`: `enqueue: the queue \"orders\" is granted twice`,
	} {
		cfg := fmt.Sprintf(`{"admin": {"listen": "localhost:2999"}, "apps": {
			"gojinn": {"data_dir": %q, "queues": [{"name": "orders", "function": {"path": %q}}]},
			"http": {"servers": {"s": {"listen": ["127.0.0.1:9080"],
			"routes": [{"handle": [{"handler": "gojinn", "path": %q, "enqueue": %s}]}]}}}}}`, dir, probe, kvdo, grant)
		caddytest.AssertLoadError(t, cfg, "json", want)
	}
}

// A full queue (max_jobs 1, its one job still running) answers
// unavailable to a guest (natsbus maps the full stream to ErrUnavailable).
func TestEnqueueFullQueue(t *testing.T) {
	block := dataDirBlock(stateDir(t)) + fmt.Sprintf("\n\t\tqueue busy %s {\n\t\t\tmax_jobs 1\n\t\t\ttimeout 5s\n\t\t\tgrace_period 1s\n\t\t}", testguest.WAT(t, "sleep"))
	tester, _ := kvServer(t, block, fmt.Sprintf("http://127.0.0.1:9080 {\n\tgojinn %s {\n\t\tenqueue busy\n\t}\n}\n", testguest.WAT(t, "kv-do")))
	if got := kvDo(t, tester.Client, base, "enqueue busy one"); !strings.HasPrefix(got, "0 ") {
		t.Fatalf("first job: %q, want 0 (ok) and an id", got)
	}
	kvWant(t, tester.Client, base, "enqueue busy two", "6") // unavailable
}
