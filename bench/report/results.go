package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Results is bench/results/latest.json.
type Results struct {
	Schema      int               `json:"schema"`
	Quick       bool              `json:"quick"`
	Environment map[string]string `json:"environment"`
	Commands    []string          `json:"commands"`
	// Throughput holds one object per target and concurrency level.
	Throughput []Throughput `json:"throughput"`
	// GoOverProxy is /go requests/s ÷ /proxy requests/s per concurrency
	// (median of the per-round ratios).
	GoOverProxy map[string]float64 `json:"go_over_proxy,omitempty"`
	Paced       []Paced            `json:"paced,omitempty"`
	ColdStart   []ColdStart        `json:"cold_start,omitempty"`
	Scale       []Scale            `json:"scale,omitempty"`
	Soak        *Soak              `json:"soak,omitempty"`
	GoBench     []GoBench          `json:"go_bench,omitempty"`
	Targets     []Target           `json:"targets"`

	goBenchText   string
	profileTarget string
	profileCPU    string
	profileCPUCum string
	profileAllocs string
}

// Throughput is one target at one concurrency level, aggregated over the
// interleaved rounds: the median of the rounds' requests/s and latency
// percentiles; errors, requests and CPU time summed.
type Throughput struct {
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	RequestsPS  float64 `json:"requests_per_s"`
	LatencyMS   Latency `json:"latency_ms"`
	// CPUSecondsPer1k is Caddy's user+system CPU time per 1,000 requests;
	// for /proxy it includes the backend's (CPUIncludesBackend).
	CPUSecondsPer1k    float64 `json:"cpu_s_per_1k_requests"`
	CPUIncludesBackend bool    `json:"cpu_includes_backend"`
	CaddyRSSMB         float64 `json:"caddy_rss_mb"`
	Requests           int64   `json:"requests"`
	Errors             int64   `json:"errors"`
	// RatioToRespond is the median over rounds of this target's requests/s
	// ÷ /respond's in the same round.
	RatioToRespond *float64 `json:"ratio_to_respond,omitempty"`
	Rounds         []Run    `json:"rounds"`
}

type Latency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
}

// Run is one wrk run as bench/run.sh recorded it.
type Run struct {
	Target          string `json:"target"`
	Concurrency     int    `json:"concurrency"`
	Round           int    `json:"round"`
	CaddyCPUTicks   int64  `json:"caddy_cpu_ticks"`
	BackendCPUTicks int64  `json:"backend_cpu_ticks"`
	RSSKB           int64  `json:"rss_kb"`
	Wrk             struct {
		Requests   int64 `json:"requests"`
		DurationUS int64 `json:"duration_us"`
		Bytes      int64 `json:"bytes"`
		LatencyUS  struct {
			Mean  float64 `json:"mean"`
			Stdev float64 `json:"stdev"`
			P50   float64 `json:"p50"`
			P90   float64 `json:"p90"`
			P99   float64 `json:"p99"`
			P999  float64 `json:"p999"`
			Max   float64 `json:"max"`
		} `json:"latency_us"`
		Errors struct {
			Connect int64 `json:"connect"`
			Read    int64 `json:"read"`
			Write   int64 `json:"write"`
			Status  int64 `json:"status"`
			Timeout int64 `json:"timeout"`
		} `json:"errors"`
	} `json:"wrk"`
}

func (r Run) rps() float64 {
	if r.Wrk.DurationUS == 0 {
		return 0
	}
	return float64(r.Wrk.Requests) / (float64(r.Wrk.DurationUS) / 1e6)
}

func (r Run) errors() int64 {
	e := r.Wrk.Errors
	return e.Connect + e.Read + e.Write + e.Status + e.Timeout
}

type Paced struct {
	Target         string  `json:"target"`
	PercentOfGoMax int     `json:"percent_of_go_max"`
	GoMaxRPS       float64 `json:"go_max_rps"`
	Result         struct {
		RatePerS  float64            `json:"rate_per_s"`
		Sent      int                `json:"sent"`
		OK        int                `json:"ok"`
		Errors    int                `json:"errors"`
		LatencyMS map[string]float64 `json:"latency_ms"`
	} `json:"result"`
}

// ColdStart is one Caddy process of the cold-start test: its loads of the
// same config (the first into an empty process; any further ones are
// reloads). Cache "cold": the compilation cache was empty; "warm": another
// process had filled it.
type ColdStart struct {
	Target string `json:"target"`
	Cache  string `json:"cache"`
	Loads  []Load `json:"loads"`
}

type Load struct {
	LoadMS         float64 `json:"load_ms"`
	FirstRequestMS float64 `json:"first_request_ms"`
	TotalMS        float64 `json:"total_ms"`
}

// coldStartCase is one row of the cold-start table: the median over samples.
type coldStartCase struct {
	target, name string
	samples      int
	median       Load
}

// coldStartCases summarises the cold-start processes per target: "cold"
// (first load, empty cache), "reload" (the further loads into that
// process), "warm" (first load of each fresh process with a warm cache).
func coldStartCases(cs []ColdStart) []coldStartCase {
	var out []coldStartCase
	var targets []string
	loads := map[string]map[string][]Load{}
	for _, c := range cs {
		if len(c.Loads) == 0 {
			continue
		}
		if loads[c.Target] == nil {
			loads[c.Target] = map[string][]Load{}
			targets = append(targets, c.Target)
		}
		loads[c.Target][c.Cache] = append(loads[c.Target][c.Cache], c.Loads[0])
		if c.Cache == "cold" {
			loads[c.Target]["reload"] = append(loads[c.Target]["reload"], c.Loads[1:]...)
		}
	}
	for _, t := range targets {
		for _, name := range []string{"cold", "reload", "warm"} {
			ls := loads[t][name]
			if len(ls) == 0 {
				continue
			}
			var l, f, tot []float64
			for _, x := range ls {
				l, f, tot = append(l, x.LoadMS), append(f, x.FirstRequestMS), append(tot, x.TotalMS)
			}
			out = append(out, coldStartCase{
				target: t, name: name, samples: len(ls),
				median: Load{LoadMS: median(l), FirstRequestMS: median(f), TotalMS: median(tot)},
			})
		}
	}
	return out
}

type Scale struct {
	Handlers int    `json:"handlers"`
	Cache    string `json:"cache"`
	Result   struct {
		StartupMS      float64 `json:"startup_ms"`
		FirstRequestMS float64 `json:"first_request_ms"`
		IdleRSSKB      int64   `json:"idle_rss_kb"`
	} `json:"result"`
}

type Soak struct {
	Target           string    `json:"target"`
	Concurrency      int       `json:"concurrency"`
	Requests         int64     `json:"requests"`
	Errors           int64     `json:"errors"`
	RSSKBBefore      int64     `json:"rss_kb_before"`
	RSSKBAfter       int64     `json:"rss_kb_after"`
	RSSKBAfterIdle5s int64     `json:"rss_kb_after_idle_5s"`
	Samples          [][]int64 `json:"samples"` // [requests so far, VmRSS kB]
}

// GoBench is one line of `go test -bench -benchmem` output.
type GoBench struct {
	Name        string  `json:"name"`
	Iterations  int64   `json:"iterations"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

// Target is one of issue 5's targets, judged on this run's figures.
type Target struct {
	Name     string   `json:"name"`
	Goal     string   `json:"goal"`
	Measured string   `json:"measured"`
	Met      *bool    `json:"met"` // null: not measured, or informational
	Value    *float64 `json:"value,omitempty"`
}

// load reads every raw file bench/run.sh wrote; only runs.jsonl is required.
func load(dir string) (*Results, error) {
	res := &Results{Schema: 1, Environment: map[string]string{}}
	env, err := os.ReadFile(filepath.Join(dir, "env.txt"))
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(env), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			res.Environment[k] = v
		}
	}
	res.Quick = res.Environment["quick"] == "1"
	res.Commands = commands(res.Environment)

	var runs []Run
	if err := readJSONLines(filepath.Join(dir, "runs.jsonl"), &runs); err != nil {
		return nil, err
	}
	res.Throughput = aggregate(runs)
	res.GoOverProxy = map[string]float64{}
	for _, t := range res.Throughput {
		if t.Target != "go" {
			continue
		}
		if p := find(res.Throughput, "proxy", t.Concurrency); p != nil {
			if r := pairedRatio(&t, p); r != nil {
				res.GoOverProxy[strconv.Itoa(t.Concurrency)] = *r
			}
		}
	}

	optional := func(err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if err := optional(readJSONLines(filepath.Join(dir, "paced.jsonl"), &res.Paced)); err != nil {
		return nil, err
	}
	if err := optional(readJSONLines(filepath.Join(dir, "coldstart.jsonl"), &res.ColdStart)); err != nil {
		return nil, err
	}
	if err := optional(readJSONLines(filepath.Join(dir, "scale.jsonl"), &res.Scale)); err != nil {
		return nil, err
	}
	var soak []Soak
	if err := optional(readJSONLines(filepath.Join(dir, "soak.json"), &soak)); err != nil {
		return nil, err
	}
	if len(soak) > 0 {
		res.Soak = &soak[0]
	}
	if b, err := os.ReadFile(filepath.Join(dir, "gobench.txt")); err == nil {
		res.goBenchText = string(b)
		res.GoBench = parseGoBench(res.goBenchText)
	}
	for name, into := range map[string]*string{
		"profile-target.txt":  &res.profileTarget,
		"profile-cpu.txt":     &res.profileCPU,
		"profile-cpu-cum.txt": &res.profileCPUCum,
		"profile-allocs.txt":  &res.profileAllocs,
	} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			*into = strings.TrimSpace(string(b))
		}
	}
	res.Targets = judge(res)
	return res, nil
}

func readJSONLines[T any](path string, into *[]T) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
		*into = append(*into, v)
	}
	return sc.Err()
}

// targetOrder is the order of targets in tables and the chart.
var targetOrder = []string{"respond", "wat", "as", "go", "proxy"}

func targetRank(t string) int {
	for i, x := range targetOrder {
		if x == t {
			return i
		}
	}
	return len(targetOrder)
}

func aggregate(runs []Run) []Throughput {
	type key struct {
		target string
		c      int
	}
	groups := map[key][]Run{}
	for _, r := range runs {
		k := key{r.Target, r.Concurrency}
		groups[k] = append(groups[k], r)
	}
	clk := 100.0 // USER_HZ; the same on every Linux the bench supports
	var out []Throughput
	for k, rs := range groups {
		t := Throughput{Target: k.target, Concurrency: k.c, CPUIncludesBackend: k.target == "proxy", Rounds: rs}
		var rps, p50, p99, p999 []float64
		var ticks int64
		for _, r := range rs {
			rps = append(rps, r.rps())
			p50 = append(p50, r.Wrk.LatencyUS.P50/1000)
			p99 = append(p99, r.Wrk.LatencyUS.P99/1000)
			p999 = append(p999, r.Wrk.LatencyUS.P999/1000)
			ticks += r.CaddyCPUTicks + r.BackendCPUTicks
			t.Requests += r.Wrk.Requests
			t.Errors += r.errors()
			t.CaddyRSSMB = math.Max(t.CaddyRSSMB, float64(r.RSSKB)/1024)
		}
		t.RequestsPS = round(median(rps), 1)
		t.LatencyMS = Latency{P50: round(median(p50), 3), P99: round(median(p99), 3), P999: round(median(p999), 3)}
		if t.Requests > 0 {
			t.CPUSecondsPer1k = round(float64(ticks)/clk/float64(t.Requests)*1000, 4)
		}
		t.CaddyRSSMB = round(t.CaddyRSSMB, 1)
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Concurrency != out[j].Concurrency {
			return out[i].Concurrency < out[j].Concurrency
		}
		return targetRank(out[i].Target) < targetRank(out[j].Target)
	})
	// The ratio to /respond is taken round by round (each target against
	// the /respond run of the same round, minutes apart at most) and the
	// median of those ratios is reported: drift between rounds cancels out.
	for i := range out {
		if out[i].Target == "respond" {
			continue
		}
		if base := find(out, "respond", out[i].Concurrency); base != nil {
			out[i].RatioToRespond = pairedRatio(&out[i], base)
		}
	}
	return out
}

// pairedRatio is the median over rounds of a's requests/s ÷ b's in the
// same round; nil when no round pairs up.
func pairedRatio(a, b *Throughput) *float64 {
	var ratios []float64
	for _, ra := range a.Rounds {
		for _, rb := range b.Rounds {
			if ra.Round == rb.Round && rb.rps() > 0 {
				ratios = append(ratios, ra.rps()/rb.rps())
			}
		}
	}
	if len(ratios) == 0 {
		return nil
	}
	x := round(median(ratios), 4)
	return &x
}

func find(ts []Throughput, target string, c int) *Throughput {
	for i := range ts {
		if ts[i].Target == target && ts[i].Concurrency == c {
			return &ts[i]
		}
	}
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

var goBenchLine = regexp.MustCompile(`^(Benchmark\S+)\s+(\d+)\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

func parseGoBench(text string) []GoBench {
	var out []GoBench
	for _, line := range strings.Split(text, "\n") {
		m := goBenchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		b := GoBench{Name: m[1]}
		b.Iterations, _ = strconv.ParseInt(m[2], 10, 64)
		b.NsPerOp, _ = strconv.ParseFloat(m[3], 64)
		b.BytesPerOp, _ = strconv.ParseFloat(m[4], 64)
		b.AllocsPerOp, _ = strconv.ParseFloat(m[5], 64)
		out = append(out, b)
	}
	return out
}

// commands are the exact commands that reproduce this run.
func commands(env map[string]string) []string {
	make := "make bench"
	if env["quick"] == "1" {
		make = "make bench QUICK=1"
	}
	return []string{
		make,
		"bin/caddy run --config bench/Caddyfile --adapter caddyfile   # with bench/out/bin/backend -addr 127.0.0.1:8481",
		fmt.Sprintf("wrk -t<min(c,2)> -c<c> -d%ss --timeout 10s -s bench/wrk/report.lua http://127.0.0.1:8480/<target>   # c in %s, targets %s interleaved, %s rounds",
			env["duration_s"], env["levels"], env["targets"], env["rounds"]),
		"go test -run '^$' -bench . -benchmem ./sandbox/",
	}
}
