package gojinn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/gojinn/gojinn/internal/testguest"
)

// The key-value tests run testdata/guests/kv-do.wat: each request's body
// names one operation ("incr sessions hits 1"), the answer's body is the
// host call's status code and result ("0 42"); see the guest's comment.

// kvGlobals is globals with a gojinn global option block.
func kvGlobals(logFile, gojinnBlock string) string {
	return strings.Replace(globals(logFile), "\tadmin ", "\tgojinn {\n"+gojinnBlock+"\n\t}\n\tadmin ", 1)
}

// kvServer starts the in-process Caddy with the gojinn block and site.
func kvServer(t *testing.T, gojinnBlock, site string) (*caddytest.Tester, string) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{TestRequestTimeout: 30 * time.Second, LoadRequestTimeout: 2 * time.Minute})
	tester.InitServer(kvGlobals(logFile, gojinnBlock)+"\n"+site, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	tester.Client.Transport = handoverRetry{next: tester.Client.Transport}
	return tester, logFile
}

// kvSite is a site whose routes run kv-do with the given grants: route
// "/rw" -> "kv sessions", etc.
func kvSite(t *testing.T, port string, routes map[string]string) string {
	wasm := testguest.WAT(t, "kv-do")
	var b strings.Builder
	fmt.Fprintf(&b, "http://127.0.0.1:%s {\n", port)
	for _, path := range slices.Sorted(func(yield func(string) bool) {
		for p := range routes {
			if !yield(p) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "\thandle %s {\n\t\tgojinn %s {\n", path, wasm)
		for _, grant := range strings.Split(routes[path], ";") {
			if grant != "" {
				fmt.Fprintf(&b, "\t\t\tkv %s\n", grant)
			}
		}
		b.WriteString("\t\t}\n\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// kvDo sends one operation to url and returns the guest's answer.
func kvDo(t *testing.T, client *http.Client, url, op string) string {
	t.Helper()
	resp, err := client.Post(url, "text/plain", strings.NewReader(op))
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", op, resp.StatusCode, body)
	}
	return strings.TrimSpace(string(body))
}

// want checks one operation's answer.
func kvWant(t *testing.T, client *http.Client, url, op, want string) {
	t.Helper()
	if got := kvDo(t, client, url, op); got != want {
		t.Errorf("%s: got %q, want %q", op, got, want)
	}
}

func dataDirBlock(dir string) string { return "\t\tdata_dir " + dir }

// TestKVCounter: 500 concurrent increments of one key each get a distinct
// value, and the key ends at exactly 500.
func TestKVCounter(t *testing.T) {
	tester, _ := kvServer(t, dataDirBlock(stateDir(t)), kvSite(t, "9080", map[string]string{"/*": "sessions"}))
	const n = 500
	var wg sync.WaitGroup
	answers := make(chan string, n)
	for range n {
		wg.Go(func() {
			resp, err := tester.Client.Post(base+"/", "text/plain", strings.NewReader("incr sessions hits 1"))
			if err != nil {
				answers <- err.Error()
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- fmt.Sprint(resp.StatusCode, " ", string(body))
		})
	}
	wg.Wait()
	close(answers)
	seen := map[string]bool{}
	for a := range answers {
		if !strings.HasPrefix(a, "200 0 ") || seen[a] {
			t.Fatalf("an increment answered %q (or a value twice)", a)
		}
		seen[a] = true
	}
	kvWant(t, tester.Client, base+"/", "get sessions hits", "0 500")
}

// TestKVOperations: every operation through Caddy, with its statuses.
func TestKVOperations(t *testing.T) {
	tester, _ := kvServer(t, dataDirBlock(stateDir(t)), kvSite(t, "9080", map[string]string{"/*": "sessions"}))
	c, url := tester.Client, base+"/"
	kvWant(t, c, url, "get sessions k", "1")
	set := kvDo(t, c, url, "set sessions k v1")
	rev := strings.TrimPrefix(set, "0 ")
	if rev == set || rev == "0" {
		t.Fatalf("set: %q", set)
	}
	kvWant(t, c, url, "get sessions k", "0 v1")
	kvWant(t, c, url, "create sessions k v2", "9")
	kvWant(t, c, url, "update sessions k v2 999999", "10")
	if got := kvDo(t, c, url, "update sessions k v2 "+rev); !strings.HasPrefix(got, "0 ") {
		t.Fatalf("update on the right revision: %q", got)
	}
	kvWant(t, c, url, "get sessions k", "0 v2")
	kvWant(t, c, url, "del sessions k", "0")
	kvWant(t, c, url, "get sessions k", "1")
	kvWant(t, c, url, "update sessions k v3 "+rev, "1")
	kvWant(t, c, url, "set sessions n abc", "0 "+strconv.Itoa(mustAtoi(t, rev)+3))
	kvWant(t, c, url, "incr sessions n 1", "5")
	kvWant(t, c, url, "incr sessions m -3", "0 -3")
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKVTTL: a key set with a TTL expires; one without stays.
func TestKVTTL(t *testing.T) {
	tester, _ := kvServer(t, dataDirBlock(stateDir(t)), kvSite(t, "9080", map[string]string{"/*": "sessions"}))
	c, url := tester.Client, base+"/"
	if got := kvDo(t, c, url, "set sessions short v 1"); !strings.HasPrefix(got, "0 ") {
		t.Fatalf("set with a TTL: %q", got)
	}
	if got := kvDo(t, c, url, "set sessions forever v"); !strings.HasPrefix(got, "0 ") {
		t.Fatalf("set: %q", got)
	}
	kvWant(t, c, url, "get sessions short", "0 v")
	deadline := time.Now().Add(30 * time.Second) // 30x the TTL
	for kvDo(t, c, url, "get sessions short") != "1" {
		if time.Now().After(deadline) {
			t.Fatal("a key with a 1 s TTL is still there after 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	kvWant(t, c, url, "get sessions forever", "0 v")
	kvWant(t, c, url, "keys sessions - -", "0 1 0 forever")
}

// TestKVGrants: stores are shared by name between handlers; a store not
// granted is denied, and so is a write to a read-only one.
func TestKVGrants(t *testing.T) {
	tester, logFile := kvServer(t, dataDirBlock(stateDir(t)), kvSite(t, "9080", map[string]string{
		"/rw/*":   "settings;sessions",
		"/ro/*":   "settings read",
		"/none/*": "",
	}))
	c := tester.Client
	rw, ro, none := base+"/rw/", base+"/ro/", base+"/none/"
	if got := kvDo(t, c, rw, "set settings theme dark"); !strings.HasPrefix(got, "0 ") {
		t.Fatalf("set: %q", got)
	}
	kvWant(t, c, ro, "get settings theme", "0 dark")
	kvWant(t, c, ro, "keys settings - -", "0 1 0 theme")
	for _, op := range []string{"set settings theme light", "create settings new x", "update settings theme x 1", "del settings theme", "incr settings n 1"} {
		kvWant(t, c, ro, op, "2")
	}
	kvWant(t, c, ro, "get sessions k", "2")
	kvWant(t, c, none, "get settings theme", "2")
	kvWant(t, c, none, "set settings theme x", "2")
	kvWant(t, c, rw, "get other k", "2")
	kvWant(t, c, rw, "get settings theme", "0 dark")
	// One log line per denied call: the 9 above.
	denied := 0
	for _, e := range logEntries(t, logFile, "http.handlers.gojinn") {
		if e["msg"] == "host call denied" {
			denied++
		}
	}
	if denied != 9 {
		t.Errorf("%d log lines for the 9 denied calls", denied)
	}
}

// TestKVListPaging: keys come in byte order, by prefix, a page at a time
// (a page holds at most 64 KiB of keys: 70 keys of 1,000 bytes need two).
func TestKVListPaging(t *testing.T) {
	tester, _ := kvServer(t, dataDirBlock(stateDir(t)), kvSite(t, "9080", map[string]string{"/*": "sessions"}))
	c, url := tester.Client, base+"/"
	var long []string
	for i := range 70 {
		key := fmt.Sprintf("long%02d", i) + strings.Repeat("x", 994)
		long = append(long, key)
		if got := kvDo(t, c, url, "set sessions "+key+" v"); !strings.HasPrefix(got, "0 ") {
			t.Fatalf("set %d: %q", i, got)
		}
	}
	for _, key := range []string{"user:2", "user:10", "user:1", "users", "a"} {
		if got := kvDo(t, c, url, "set sessions "+key+" v"); !strings.HasPrefix(got, "0 ") {
			t.Fatalf("set %s: %q", key, got)
		}
	}
	kvWant(t, c, url, "keys sessions user: -", "0 3 0 user:1,user:10,user:2")
	kvWant(t, c, url, "keys sessions user: user:1", "0 2 0 user:10,user:2")
	kvWant(t, c, url, "keys sessions nothing -", "0 0 0")

	var got []string
	after := "-"
	for pages := 1; ; pages++ {
		if pages > 70 {
			t.Fatal("paging does not end")
		}
		fields := strings.SplitN(kvDo(t, c, url, "keys sessions long "+after), " ", 4)
		if len(fields) != 4 || fields[0] != "0" {
			t.Fatalf("page %d: %q", pages, fields)
		}
		page := strings.Split(fields[3], ",")
		if strconv.Itoa(len(page)) != fields[1] {
			t.Fatalf("page %d: count %s for %d keys", pages, fields[1], len(page))
		}
		got = append(got, page...)
		if fields[2] == "0" {
			if pages < 2 {
				t.Fatalf("70 keys of 1,000 bytes came in one page")
			}
			break
		}
		after = page[len(page)-1]
	}
	if !slices.Equal(got, long) {
		t.Fatalf("paged keys: got %d keys, want the %d in order", len(got), len(long))
	}
}

// TestKVWithoutGrantsStartsNothing: a config whose handlers have no kv
// grant starts no NATS server; its store directory stays empty.
func TestKVWithoutGrantsStartsNothing(t *testing.T) {
	dir := stateDir(t)
	tester, logFile := kvServer(t, dataDirBlock(dir), kvSite(t, "9080", map[string]string{"/*": ""}))
	kvWant(t, tester.Client, base+"/", "get sessions k", "2")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("data_dir holds %d entries without any kv grant", len(entries))
	}
	if strings.Contains(readFile(t, logFile), "NATS") {
		t.Fatal("the log mentions NATS without any kv grant")
	}
}

// TestKVAcrossReloads: a reload shares the running server (one start in
// the log); a config without grants stops it; the data is still there
// when the next config starts it again.
func TestKVAcrossReloads(t *testing.T) {
	dir := stateDir(t)
	site := kvSite(t, "9080", map[string]string{"/*": "sessions"})
	tester, logFile := kvServer(t, dataDirBlock(dir), site)
	c, url := tester.Client, base+"/"
	kvWant(t, c, url, "incr sessions n 1", "0 1")
	load := func(site string) {
		t.Helper()
		tester.InitServer(kvGlobals(logFile, dataDirBlock(dir))+"\n"+site, "caddyfile")
		if t.Failed() {
			t.FailNow()
		}
	}
	load(strings.Replace(site, "kv sessions", "kv sessions\n\t\t\tname reloaded", 1))
	kvWant(t, c, url, "incr sessions n 1", "0 2")
	count := func(msg string) int {
		n := 0
		for _, e := range logEntries(t, logFile, "gojinn") {
			if e["msg"] == msg {
				n++
			}
		}
		return n
	}
	if started, stopped := count("embedded NATS server started"), count("embedded NATS server stopped"); started != 1 || stopped != 0 {
		t.Fatalf("after a reload: %d starts, %d stops of the server; want 1, 0", started, stopped)
	}
	load(kvSite(t, "9080", map[string]string{"/*": ""}))
	if stopped := count("embedded NATS server stopped"); stopped != 1 {
		t.Fatalf("a config without grants left the server running (%d stops)", stopped)
	}
	load(site)
	kvWant(t, c, url, "incr sessions n 1", "0 3")
}

// caddyProcess is Caddy as its own process (cmd/caddy, built by the test).
type caddyProcess struct {
	cmd    *exec.Cmd
	exited chan error
	logs   *strings.Builder
}

// buildCaddy builds cmd/caddy into the test's directory.
func buildCaddy(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "caddy")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/caddy")
	cmd.Dir = testguest.Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building cmd/caddy: %v\n%s", err, out)
	}
	return bin
}

// startCaddy runs bin on the Caddyfile and waits until url answers.
func startCaddy(t *testing.T, bin, caddyfile, url string) *caddyProcess {
	t.Helper()
	file := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(file, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &caddyProcess{cmd: exec.Command(bin, "run", "--config", file, "--adapter", "caddyfile"), exited: make(chan error, 1), logs: &strings.Builder{}}
	home := t.TempDir()
	p.cmd.Env = append(os.Environ(), "HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("caddy's output:\n%s", p.logs)
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("caddy exited before serving: %v\n%s", err, p.logs)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not answer %s in 2 minutes\n%s", url, p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends the process with sig and waits for it.
func (p *caddyProcess) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
	case <-time.After(time.Minute):
		t.Fatalf("caddy did not exit on %v", sig)
	}
}

func freeTCPPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestKVSurvivesRestartAndKill: values written through one Caddy process
// are read by the next, after a clean stop and after kill -9 right after
// the last acknowledged write.
func TestKVSurvivesRestartAndKill(t *testing.T) {
	bin := buildCaddy(t)
	dir := t.TempDir()
	port, admin := freeTCPPort(t), freeTCPPort(t)
	caddyfile := fmt.Sprintf("{\n\tadmin 127.0.0.1:%s\n\tdefault_bind 127.0.0.1\n\thttp_port %s\n\tgojinn {\n%s\n\t}\n}\n%s",
		admin, port, dataDirBlock(dir), kvSite(t, port, map[string]string{"/*": "sessions"}))
	url := "http://127.0.0.1:" + port + "/"
	c := &http.Client{Timeout: 30 * time.Second}

	p := startCaddy(t, bin, caddyfile, url)
	kvDo(t, c, url, "set sessions greeting hello")
	for range 10 {
		kvDo(t, c, url, "incr sessions n 1")
	}
	p.stop(t, os.Interrupt)
	if !strings.Contains(p.logs.String(), "embedded NATS server stopped") {
		t.Errorf("caddy stopped without stopping its NATS server:\n%s", p.logs)
	}

	p = startCaddy(t, bin, caddyfile, url)
	kvWant(t, c, url, "get sessions greeting", "0 hello")
	kvWant(t, c, url, "get sessions n", "0 10")
	for range 10 {
		kvDo(t, c, url, "incr sessions n 1")
	}
	kvDo(t, c, url, "set sessions last written")
	p.stop(t, syscall.SIGKILL)

	startCaddy(t, bin, caddyfile, url)
	kvWant(t, c, url, "get sessions n", "0 20")
	kvWant(t, c, url, "get sessions last", "0 written")
	kvWant(t, c, url, "get sessions greeting", "0 hello")
}

// natsServer runs nats-server (built from the module cache) as its own
// process on a random loopback port, with JetStream and the given max
// payload and other configuration lines; it is killed when the test ends.
func natsServer(t *testing.T, maxPayload, conf string) (url string, kill func()) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "nats-server")
	build := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	build.Dir = testguest.Root()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building nats-server: %v\n%s", err, out)
	}
	confFile := filepath.Join(dir, "nats.conf")
	text := fmt.Sprintf("listen: 127.0.0.1:-1\nmax_payload: %s\nports_file_dir: %q\njetstream { store_dir: %q }\n%s\n", maxPayload, dir, filepath.Join(dir, "js"), conf)
	if err := os.WriteFile(confFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", confFile)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	kill = func() { _ = cmd.Process.Kill(); <-exited }
	t.Cleanup(kill)
	portsFile := filepath.Join(dir, fmt.Sprintf("nats-server_%d.ports", cmd.Process.Pid))
	deadline := time.Now().Add(time.Minute)
	for {
		var ports struct{ Nats []string }
		if b, err := os.ReadFile(portsFile); err == nil && json.Unmarshal(b, &ports) == nil && len(ports.Nats) > 0 {
			return ports.Nats[0], kill
		}
		select {
		case <-exited:
			t.Fatalf("nats-server exited:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKVNatsURL: with nats_url, the stores live on that server, in
// buckets named with nats_prefix; a server whose max payload is too
// small fails the load; a server gone is unavailable.
func TestKVNatsURL(t *testing.T) {
	url, kill := natsServer(t, "2MB", "")
	t.Setenv("GOJINN_TEST_NATS_URL", url)
	block := "\t\tnats_url {env.GOJINN_TEST_NATS_URL}\n\t\tnats_prefix e2e_"
	tester, _ := kvServer(t, block, kvSite(t, "9080", map[string]string{"/*": "sessions"}))
	c, u := tester.Client, base+"/"
	kvWant(t, c, u, "incr sessions hits 5", "0 5")

	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bucket, err := js.KeyValue(ctx, "e2e_sessions")
	if err != nil {
		t.Fatalf("no bucket e2e_sessions on the external server: %v", err)
	}
	if e, err := bucket.Get(ctx, "hits"); err != nil || string(e.Value()) != "5" {
		t.Fatalf("the external bucket holds %v, %v", e, err)
	}

	kill()
	kvWant(t, c, u, "get sessions hits", "6")

	small, _ := natsServer(t, "1MB", "")
	t.Setenv("GOJINN_TEST_NATS_URL", small)
	logFile := filepath.Join(t.TempDir(), "caddy.log")
	cfg := kvGlobals(logFile, block) + "\n" + kvSite(t, "9080", map[string]string{"/*": "sessions"})
	resp, err := http.Post("http://localhost:2999/load", "text/caddyfile", strings.NewReader(cfg))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || !strings.Contains(string(body), "max payload") {
		t.Fatalf("a NATS server with a 1 MB max payload: %d %s", resp.StatusCode, body)
	}
}

// TestKVNatsCreds: nats_creds authenticates to a server in operator mode
// (JWTs); without it the load fails.
func TestKVNatsCreds(t *testing.T) {
	operator, _ := nkeys.CreateOperator()
	operatorPub, _ := operator.PublicKey()
	operatorJWT, err := jwt.NewOperatorClaims(operatorPub).Encode(operator)
	if err != nil {
		t.Fatal(err)
	}
	newAccount := func(jetStream bool) (nkeys.KeyPair, string, string) {
		kp, _ := nkeys.CreateAccount()
		pub, _ := kp.PublicKey()
		claims := jwt.NewAccountClaims(pub)
		if jetStream {
			claims.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
		}
		token, err := claims.Encode(operator)
		if err != nil {
			t.Fatal(err)
		}
		return kp, pub, token
	}
	_, systemPub, systemJWT := newAccount(false)
	account, accountPub, accountJWT := newAccount(true)
	user, _ := nkeys.CreateUser()
	userPub, _ := user.PublicKey()
	userSeed, _ := user.Seed()
	userJWT, err := jwt.NewUserClaims(userPub).Encode(account)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := jwt.FormatUserConfig(userJWT, userSeed)
	if err != nil {
		t.Fatal(err)
	}
	credsFile := filepath.Join(t.TempDir(), "user.creds")
	if err := os.WriteFile(credsFile, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := natsServer(t, "2MB", fmt.Sprintf("operator: %s\nsystem_account: %s\nresolver: MEMORY\nresolver_preload: { %s: %s, %s: %s }",
		operatorJWT, systemPub, systemPub, systemJWT, accountPub, accountJWT))

	site := kvSite(t, "9080", map[string]string{"/*": "sessions"})
	tester, logFile := kvServer(t, fmt.Sprintf("\t\tnats_url %s\n\t\tnats_creds %s", url, credsFile), site)
	kvWant(t, tester.Client, base+"/", "incr sessions hits 1", "0 1")

	cfg := kvGlobals(logFile, "\t\tnats_url "+url) + "\n" + site
	resp, err := http.Post("http://localhost:2999/load", "text/caddyfile", strings.NewReader(cfg))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || !strings.Contains(strings.ToLower(string(body)), "authorization") {
		t.Fatalf("a server in operator mode without nats_creds: %d %s", resp.StatusCode, body)
	}
}
