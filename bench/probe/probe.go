// Command probe takes the bench's timed measurements that wrk cannot: how
// long Caddy takes to answer its first request after a process start or a
// config load, and latency under an open-loop (fixed-rate) load. It prints
// one JSON object on stdout; bench/run.sh collects it.
//
//	probe start -url URL [-settle 2s] [-log FILE] -- CMD ARGS...
//	probe load  -admin URL -config FILE -url URL [-n 5]
//	probe pace  -url URL -rate R [-duration 5s]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: probe start|load|pace [flags]")
		os.Exit(2)
	}
	var (
		result any
		err    error
	)
	switch os.Args[1] {
	case "start":
		result, err = start(os.Args[2:])
	case "load":
		result, err = load(os.Args[2:])
	case "pace":
		result, err = pace(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

// client opens a new connection for every request: a first request must pay
// for its connection like a real client's.
var client = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{DisableKeepAlives: true},
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// get does one GET and reports its status and latency.
func get(url string) (int, time.Duration, error) {
	t := time.Now()
	resp, err := client.Get(url)
	if err != nil {
		return 0, time.Since(t), err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(t), nil
}

// untilOK polls url (every 1 ms) until it answers 200 and returns the
// latency of that successful request.
func untilOK(url string, limit time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(limit)
	for {
		status, took, err := get(url)
		if err == nil && status == http.StatusOK {
			return took, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: no 200 within %s (last status %d, error %v)", url, limit, status, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// rssKB reads VmRSS from /proc/<pid>/status.
func rssKB(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, errors.New("no VmRSS line")
}

type startResult struct {
	StartupMS      float64 `json:"startup_ms"`       // process start to the first 200
	FirstRequestMS float64 `json:"first_request_ms"` // latency of that first 200
	IdleRSSKB      int     `json:"idle_rss_kb"`      // VmRSS after -settle of idleness
}

// start runs a command (Caddy), measures the time until url first answers
// 200 and the idle RSS after settle, then stops the command (SIGTERM, then
// SIGKILL after 10 s).
func start(args []string) (any, error) {
	fs := flag.NewFlagSet("start", flag.ExitOnError)
	url := fs.String("url", "", "URL that answers 200 once the server is up")
	settle := fs.Duration("settle", 2*time.Second, "idle time before RSS is read")
	logFile := fs.String("log", "", "file for the command's stdout and stderr")
	limit := fs.Duration("limit", 5*time.Minute, "give up after this long")
	_ = fs.Parse(args)
	if *url == "" || fs.NArg() == 0 {
		return nil, errors.New("start: -url and a command are required")
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", fs.Arg(0), err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	defer stop()

	first, err := untilOK(*url, *limit)
	if err != nil {
		return nil, err
	}
	res := startResult{StartupMS: ms(time.Since(t0)), FirstRequestMS: ms(first)}
	time.Sleep(*settle)
	if res.IdleRSSKB, err = rssKB(cmd.Process.Pid); err != nil {
		return nil, fmt.Errorf("reading RSS: %w", err)
	}
	return res, nil
}

type loadResult struct {
	LoadMS         float64 `json:"load_ms"`          // POST /load until it returned
	FirstRequestMS float64 `json:"first_request_ms"` // latency of the first 200 after it
	TotalMS        float64 `json:"total_ms"`         // POST /load sent to the first 200 received
}

// load posts a JSON config to Caddy's admin API n times (forcing a reload
// each time) and measures each load and the first answered request after it.
func load(args []string) (any, error) {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	admin := fs.String("admin", "http://localhost:2480", "Caddy admin API")
	config := fs.String("config", "", "JSON config to load")
	url := fs.String("url", "", "URL served by the loaded config")
	n := fs.Int("n", 5, "number of loads")
	_ = fs.Parse(args)
	body, err := os.ReadFile(*config)
	if err != nil {
		return nil, err
	}
	var out []loadResult
	for i := 0; i < *n; i++ {
		req, err := http.NewRequest(http.MethodPost, *admin+"/load", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cache-Control", "must-revalidate") // reload even if unchanged
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("POST /load: %w", err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("POST /load: %s: %s", resp.Status, msg)
		}
		loaded := time.Since(t0)
		first, err := untilOK(*url, time.Minute)
		if err != nil {
			return nil, err
		}
		out = append(out, loadResult{LoadMS: ms(loaded), FirstRequestMS: ms(first), TotalMS: ms(time.Since(t0))})
		time.Sleep(200 * time.Millisecond)
	}
	return out, nil
}

type paceResult struct {
	RatePerS  float64            `json:"rate_per_s"`
	Sent      int                `json:"sent"`
	OK        int                `json:"ok"`
	Errors    int                `json:"errors"`
	LatencyMS map[string]float64 `json:"latency_ms"`
}

// pace sends GETs at a fixed rate whatever the answers' latency (an open
// loop, unlike wrk's closed loop) and reports the latency distribution.
func pace(args []string) (any, error) {
	fs := flag.NewFlagSet("pace", flag.ExitOnError)
	url := fs.String("url", "", "URL to request")
	rate := fs.Float64("rate", 10, "requests per second")
	duration := fs.Duration("duration", 5*time.Second, "how long to send")
	_ = fs.Parse(args)
	if *url == "" || *rate <= 0 {
		return nil, errors.New("pace: -url and a positive -rate are required")
	}
	paced := &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 1024},
	}
	var (
		mu        sync.Mutex
		wg        sync.WaitGroup
		latencies []time.Duration
		errs      int
	)
	// Request i is sent at start + i×interval: a late tick is caught up
	// rather than dropped, so the rate holds even when the prober is
	// briefly starved of CPU.
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	sent := 0
	for ; time.Duration(sent)*interval < *duration; sent++ {
		time.Sleep(time.Until(start.Add(time.Duration(sent) * interval)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			resp, err := paced.Get(*url)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			took := time.Since(t)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				latencies = append(latencies, took)
			} else {
				errs++
			}
		}()
	}
	wg.Wait()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(latencies)-1))
		return ms(latencies[i])
	}
	return paceResult{
		RatePerS: *rate, Sent: sent, OK: len(latencies), Errors: errs,
		LatencyMS: map[string]float64{"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": pct(100)},
	}, nil
}
