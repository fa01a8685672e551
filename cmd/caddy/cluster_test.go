//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gojinn/gojinn/internal/testguest"
)

// node is one bin/caddy process of a test cluster, on loopback ports
// chosen free at the start, with its own data directory.
type node struct {
	t                    *testing.T
	name                 string
	http, admin, cluster string
	dir                  string
	config               string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the process exited
}

// clusterNodes returns n nodes' configs: a cluster on 127.0.0.1 with the
// given password; extra adds lines to the gojinn block.
func clusterNodes(t *testing.T, n int, password, extra string) []*node {
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = &node{t: t, name: "n" + strconv.Itoa(i+1), http: freePort(t), admin: freePort(t), cluster: freePort(t), dir: t.TempDir()}
	}
	for _, nd := range nodes {
		var routes []string
		for _, other := range nodes {
			if other != nd {
				routes = append(routes, "nats://127.0.0.1:"+other.cluster)
			}
		}
		nd.configure(strings.Join(routes, " "), password, extra)
	}
	return nodes
}

// configure writes the node's Caddyfile.
func (nd *node) configure(routes, password, extra string) {
	kvDo, kvCount := testguest.WAT(nd.t, "kv-do"), testguest.WAT(nd.t, "kv-count")
	cfg := fmt.Sprintf(`{
	admin 127.0.0.1:%[1]s
	default_bind 127.0.0.1
	http_port %[2]s
	auto_https off
	gojinn {
		data_dir %[3]s/gojinn
		cluster {
			name test
			node %[4]s
			listen 127.0.0.1:%[5]s
			routes %[6]s
			user gojinn
			password %[7]s
		}
		%[8]s
	}
}
:%[2]s {
	handle /kv {
		gojinn %[9]s {
			kv count readwrite
		}
	}
	handle /enqueue {
		gojinn_enqueue jobs
	}
}
`, nd.admin, nd.http, nd.dir, nd.name, nd.cluster, routes, password, strings.ReplaceAll(extra, "KVCOUNT", kvCount), kvDo)
	nd.config = filepath.Join(nd.dir, "Caddyfile")
	if err := os.WriteFile(nd.config, []byte(cfg), 0o600); err != nil {
		nd.t.Fatal(err)
	}
}

// start starts the node's process in a process group of its own; the
// test's cleanup kills it whatever happens.
func (nd *node) start() {
	t := nd.t
	root := testguest.Root()
	log, err := os.OpenFile(filepath.Join(nd.dir, "caddy.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "bin", "caddy"), "run", "--config", nd.config, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "HOME="+nd.dir, "XDG_DATA_HOME="+nd.dir, "XDG_CONFIG_HOME="+nd.dir)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = dieWithParent()
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(done)
	}()
	nd.mu.Lock()
	nd.cmd, nd.done = cmd, done
	nd.mu.Unlock()
}

// kill9 kills the node's process group with SIGKILL and waits for it.
func (nd *node) kill9() {
	nd.mu.Lock()
	cmd, done := nd.cmd, nd.done
	nd.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// alive tells whether the node's process is running.
func (nd *node) alive() bool {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.done == nil {
		return false
	}
	select {
	case <-nd.done:
		return false
	default:
		return true
	}
}

// logText is the node's log.
func (nd *node) logText() string {
	b, _ := os.ReadFile(filepath.Join(nd.dir, "caddy.log"))
	return string(b)
}

var client = &http.Client{Timeout: 20 * time.Second}

// kv runs a kv-do operation on the node: its status word and the rest.
func (nd *node) kv(op string) (string, string, error) {
	resp, err := client.Post("http://127.0.0.1:"+nd.http+"/kv", "text/plain", strings.NewReader(op))
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", "", fmt.Errorf("%s: %d %s", op, resp.StatusCode, b)
	}
	status, rest, _ := strings.Cut(string(b), " ")
	return status, rest, nil
}

// enqueue stores job key (its body, and idempotency key) through the node.
func (nd *node) enqueue(key string) error {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:"+nd.http+"/enqueue", strings.NewReader(key))
	req.Header.Set("Idempotency-Key", key)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("enqueue %s on %s: %d", key, nd.name, resp.StatusCode)
	}
	return nil
}

// adminGet decodes the node's admin route path into v.
func (nd *node) adminGet(path string, v any) error {
	resp, err := client.Get("http://127.0.0.1:" + nd.admin + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %d %s", path, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// adminPost posts body to the node's admin route path: status and body.
func (nd *node) adminPost(path, body string) (int, string) {
	resp, err := client.Post("http://127.0.0.1:"+nd.admin+path, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// inParallel runs do(i) for every i below n on workers goroutines.
func inParallel(n, workers int, do func(i int)) {
	var wg sync.WaitGroup
	work := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range work {
				do(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestClusterOfThreeNodes runs three bin/caddy processes as one cluster
// on loopback (docs/cluster.md) and checks what the cluster promises: a
// counter incremented through every node loses no increment; queue jobs
// survive a node killed with SIGKILL (at least once: duplicates counted,
// none lost); a node that comes back reads what was written while it was
// down; an @every 1s schedule fires once per second across the cluster,
// also when the node that ran it dies; a node with the wrong cluster
// password is refused; a dead node is removed through the admin API, and
// the other two go on.
func TestClusterOfThreeNodes(t *testing.T) {
	caddyBin := filepath.Join(testguest.Root(), "bin", "caddy")
	if _, err := os.Stat(caddyBin); err != nil {
		t.Fatalf("bin/caddy is not built: run `make build` (or `make test`, which builds it): %v", err)
	}
	began := time.Now()
	extra := `queue jobs KVCOUNT {
			concurrency 8
			timeout 2s
			queue_timeout 1s
			kv count readwrite
		}
		cron tick "@every 1s" KVCOUNT {
			kv count readwrite
		}`
	nodes := clusterNodes(t, 3, "secret", extra)
	t.Cleanup(func() {
		for _, nd := range nodes {
			nd.kill9()
		}
		if t.Failed() {
			for _, nd := range nodes {
				log := nd.logText()
				t.Logf("%s's log (end):\n%s", nd.name, log[max(0, len(log)-6000):])
			}
		}
	})
	for _, nd := range nodes {
		nd.start()
	}
	// Ready: every node serves a KV write, which needs the cluster's quorum.
	for _, nd := range nodes {
		waitFor(t, nd.name+" serving the replicated store", 90*time.Second, func() bool {
			status, _, err := nd.kv("set count ready yes")
			return err == nil && status == "0"
		})
	}
	t.Logf("three nodes ready in %v", time.Since(began).Round(time.Millisecond))

	// A fourth node with the wrong password: started now, checked at the end.
	intruder := &node{t: t, name: "n4", http: freePort(t), admin: freePort(t), cluster: freePort(t), dir: t.TempDir()}
	intruder.configure("nats://127.0.0.1:"+nodes[0].cluster+" nats://127.0.0.1:"+nodes[1].cluster, "wrong", extra)
	intruder.start()
	t.Cleanup(intruder.kill9)

	t.Run("counter", func(t *testing.T) {
		var failed atomic.Int64
		inParallel(1500, 24, func(i int) {
			if status, _, err := nodes[i%3].kv("incr count hits 1"); err != nil || status != "0" {
				failed.Add(1)
			}
		})
		if n := failed.Load(); n != 0 {
			t.Fatalf("%d of 1500 increments failed", n)
		}
		for _, nd := range nodes {
			if status, v, err := nd.kv("get count hits"); err != nil || status != "0" || v != "1500" {
				t.Errorf("%s reads %q %q %v, want 1500", nd.name, status, v, err)
			}
		}
	})

	t.Run("admin and metrics", func(t *testing.T) {
		var st struct {
			Node       string `json:"node"`
			MetaLeader string `json:"meta_leader"`
			Size       int    `json:"size"`
			Routes     []struct {
				Node string `json:"node"`
			} `json:"routes"`
			Stores []struct {
				Name      string            `json:"name"`
				Replicas  int               `json:"replicas"`
				Leader    string            `json:"leader"`
				Followers []json.RawMessage `json:"followers"`
			} `json:"stores"`
		}
		if err := nodes[0].adminGet("/gojinn/cluster", &st); err != nil {
			t.Fatal(err)
		}
		store := -1
		for i, s := range st.Stores {
			if s.Name == "KV_gojinn_count" {
				store = i
			}
		}
		if st.Node != "n1" || st.Size != 3 || st.MetaLeader == "" || len(st.Routes) != 2 || store < 0 ||
			st.Stores[store].Replicas != 3 || st.Stores[store].Leader == "" || len(st.Stores[store].Followers) != 2 {
			t.Fatalf("GET /gojinn/cluster: %+v", st)
		}
		resp, err := client.Get("http://127.0.0.1:" + nodes[0].admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"gojinn_cluster_nodes 3", `gojinn_cluster_route_up{node="n2"} 1`, `gojinn_cluster_route_up{node="n3"} 1`, `gojinn_cluster_replica_lag{node="`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("/metrics has no %s", want)
			}
		}
	})

	t.Run("jobs survive kill -9", func(t *testing.T) {
		const jobs = 3000
		victim := nodes[2]
		var wg sync.WaitGroup
		var refused atomic.Int64
		work := make(chan int)
		for range 16 {
			wg.Go(func() {
				for i := range work {
					key := "j" + strconv.Itoa(i)
					// As a load balancer does: a node that does not answer
					// is skipped; the idempotency key keeps a retry one job.
					for try := 0; ; try++ {
						if nodes[(i+try)%3].enqueue(key) == nil {
							break
						}
						refused.Add(1)
						if try > 30 {
							t.Errorf("job %s could not be enqueued on any node", key)
							break
						}
						time.Sleep(100 * time.Millisecond)
					}
				}
			})
		}
		for i := range jobs {
			if i == jobs/3 {
				victim.kill9()
				t.Logf("%s killed with SIGKILL after %d jobs enqueued", victim.name, i)
				// Written while it is down, read once it is back. A store
				// whose leader it was takes writes again once its other
				// replicas elected a new leader.
				killed := time.Now()
				waitFor(t, "a write with a node down", 30*time.Second, func() bool {
					status, _, err := nodes[0].kv("set count while-down yes")
					return err == nil && status == "0"
				})
				t.Logf("a store took writes %v after the kill", time.Since(killed).Round(time.Millisecond))
			}
			if i == 2*jobs/3 {
				victim.start()
				t.Logf("%s restarted after %d jobs enqueued", victim.name, i)
			}
			work <- i
		}
		close(work)
		wg.Wait()
		waitFor(t, victim.name+" back and reading the key written while it was down", 60*time.Second, func() bool {
			status, v, err := victim.kv("get count while-down")
			return err == nil && status == "0" && v == "yes"
		})
		waitFor(t, "every queue drained", 90*time.Second, func() bool {
			var qs []struct {
				Pending  uint64 `json:"pending"`
				InFlight int    `json:"in_flight"`
			}
			if err := nodes[0].adminGet("/gojinn/queues", &qs); err != nil || len(qs) != 1 {
				return false
			}
			return qs[0].Pending == 0 && qs[0].InFlight == 0
		})
		var lost, dup atomic.Int64
		inParallel(jobs, 16, func(i int) {
			status, v, err := nodes[i%3].kv("get count j" + strconv.Itoa(i))
			switch n, _ := strconv.Atoi(v); {
			case err != nil:
				t.Errorf("reading job %d's count: %v", i, err)
			case status != "0" || n < 1:
				lost.Add(1)
			case n > 1:
				dup.Add(int64(n - 1))
			}
		})
		t.Logf("%d jobs: %d lost, %d duplicate runs (at least once), %d enqueues retried on another node", jobs, lost.Load(), dup.Load(), refused.Load())
		if lost.Load() != 0 {
			t.Fatalf("%d of %d jobs never ran", lost.Load(), jobs)
		}
	})

	t.Run("cron once per tick", func(t *testing.T) {
		// Each run counts its tick under the tick's time (kv-count).
		runsOf := func(sec int64) (int, bool) {
			key := time.Unix(sec, 0).Format(time.RFC3339)
			for _, nd := range nodes {
				if !nd.alive() {
					continue
				}
				switch status, v, err := nd.kv("get count " + key); {
				case err == nil && status == "0":
					n, _ := strconv.Atoi(v)
					return n, true
				case err == nil && status == "1": // not_found
					return 0, true
				}
			}
			return 0, false
		}
		first := time.Now().Unix() + 1
		waitFor(t, "the first tick of the window", 10*time.Second, func() bool {
			n, _ := runsOf(first)
			return n > 0
		})
		time.Sleep(1500 * time.Millisecond)
		// Kill the node that ran the latest tick.
		var runner *node
		var latest time.Time
		for _, nd := range nodes {
			var st []struct {
				LastRun *time.Time `json:"last_run"`
			}
			if err := nd.adminGet("/gojinn/cron", &st); err == nil && len(st) == 1 && st[0].LastRun != nil && st[0].LastRun.After(latest) {
				runner, latest = nd, *st[0].LastRun
			}
		}
		if runner == nil {
			t.Fatal("no node says it ran a tick")
		}
		runner.kill9()
		t.Logf("%s, which ran the tick of %v, killed", runner.name, latest.Format(time.TimeOnly))
		// The window's ten ticks: a tick whose claim waits for a new
		// leader runs late, so wait until the last one ran.
		last := first + 9
		waitFor(t, "the window's last tick", 60*time.Second, func() bool {
			n, _ := runsOf(last)
			return n > 0
		})
		time.Sleep(2 * time.Second) // claims retried late come in now, if any
		total, missing := 0, []string{}
		for sec := first; sec <= last; sec++ {
			n, ok := runsOf(sec)
			if !ok {
				t.Fatal("no node reads the tick counts")
			}
			total += n
			if n != 1 {
				missing = append(missing, fmt.Sprintf("%s ran %d times", time.Unix(sec, 0).Format(time.TimeOnly), n))
			}
		}
		t.Logf("ten ticks of @every 1s, a node killed: %d runs across the cluster; %v", total, missing)
		if total < 9 || total > 11 {
			t.Fatalf("%d runs of ten ticks, want 10 ± 1: %v", total, missing)
		}
	})

	t.Run("wrong password refused", func(t *testing.T) {
		waitFor(t, "the nodes refusing the intruder's routes", 30*time.Second, func() bool {
			return strings.Contains(nodes[0].logText(), "authentication error") &&
				strings.Contains(nodes[1].logText(), "authentication error")
		})
		// Once it serves (it waits for a quorum it never gets), it reads
		// nothing of the cluster's.
		if status, _, err := intruder.kv("get count hits"); err == nil && status == "0" {
			t.Fatal("a node with the wrong cluster password reads the cluster's store")
		}
	})
	t.Run("a dead node removed", func(t *testing.T) {
		var live []*node
		var dead *node
		for _, nd := range nodes {
			if nd.alive() {
				live = append(live, nd)
			} else {
				dead = nd
			}
		}
		if dead == nil {
			dead, live = nodes[2], nodes[:2]
			dead.kill9()
		}
		if status, b := live[0].adminPost("/gojinn/cluster/remove", `{"node": "`+live[1].name+`"}`); status != http.StatusConflict {
			t.Fatalf("removing %s, which is up: %d %s, want 409", live[1].name, status, b)
		}
		waitFor(t, dead.name+" removed", 30*time.Second, func() bool {
			status, b := live[0].adminPost("/gojinn/cluster/remove", `{"node": "`+dead.name+`"}`)
			if status != http.StatusOK && status != http.StatusConflict && status != http.StatusServiceUnavailable {
				t.Fatalf("removing the dead %s: %d %s", dead.name, status, b)
			}
			return status == http.StatusOK
		})
		var st struct {
			Size  int `json:"size"`
			Nodes []struct {
				Name string `json:"name"`
			} `json:"nodes"`
		}
		waitFor(t, "the meta group without "+dead.name, 30*time.Second, func() bool {
			if err := live[1].adminGet("/gojinn/cluster", &st); err != nil || st.Size != 2 {
				return false
			}
			for _, n := range st.Nodes {
				if n.Name == dead.name {
					return false
				}
			}
			return true
		})
		if status, _, err := live[1].kv("set count after-removal yes"); err != nil || status != "0" {
			t.Fatalf("a write after the removal: %q %v", status, err)
		}
	})
	t.Logf("whole test: %v", time.Since(began).Round(time.Millisecond))
}
