package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// judge checks this run's figures against issue 5's targets.
func judge(res *Results) []Target {
	var out []Target
	ratio := func(target string, goal float64) {
		name := fmt.Sprintf("/%s requests/s ÷ /respond requests/s, c=64", target)
		t := Target{Name: name, Goal: fmt.Sprintf(">= %.2f", goal), Measured: "not measured"}
		if x := find(res.Throughput, target, 64); x != nil && x.RatioToRespond != nil {
			r := respondAt(res, 64)
			t.Measured = fmt.Sprintf("%.3f (median of per-round ratios; medians %.0f and %.0f requests/s)", *x.RatioToRespond, x.RequestsPS, r.RequestsPS)
			t.Value = x.RatioToRespond
			t.Met = boolp(*x.RatioToRespond >= goal)
		}
		out = append(out, t)
	}
	ratio("as", 0.6)
	ratio("wat", 0.75)

	bench := Target{Name: "one AS hello invocation, Go benchmark", Goal: "<= 30 µs, <= 40 allocations", Measured: "not measured (no matching benchmark in sandbox/)"}
	if b := asBenchmark(res.GoBench); b != nil {
		us := b.NsPerOp / 1000
		bench.Measured = fmt.Sprintf("%.1f µs, %.0f allocations (%s)", us, b.AllocsPerOp, b.Name)
		bench.Value = &us
		bench.Met = boolp(us <= 30 && b.AllocsPerOp <= 40)
	}
	out = append(out, bench)

	p99 := Target{Name: "p99 latency /as, c=64", Goal: "<= 3 × p99 of /respond", Measured: "not measured"}
	if a, r := find(res.Throughput, "as", 64), respondAt(res, 64); a != nil && r != nil && r.LatencyMS.P99 > 0 {
		x := a.LatencyMS.P99 / r.LatencyMS.P99
		p99.Measured = fmt.Sprintf("%.2f × (%.2f ms vs %.2f ms)", x, a.LatencyMS.P99, r.LatencyMS.P99)
		p99.Value = &x
		p99.Met = boolp(x <= 3)
	}
	out = append(out, p99)

	first := Target{Name: "first request after config load (AS)", Goal: "<= 5 ms", Measured: "not measured"}
	var cold, warm, reload *coldStartCase
	for _, c := range coldStartCases(res.ColdStart) {
		if c.target != "as" {
			continue
		}
		switch c.name {
		case "cold":
			cold = &c
		case "warm":
			warm = &c
		case "reload":
			reload = &c
		}
	}
	if warm != nil {
		w := warm.median
		first.Measured = fmt.Sprintf("%.1f ms from POST /load to the first 200 in a fresh process with a warm compilation cache (median of %d: load %.1f ms + first request %.1f ms)",
			w.TotalMS, warm.samples, w.LoadMS, w.FirstRequestMS)
		if reload != nil {
			first.Measured += fmt.Sprintf("; %.1f ms on a reload", reload.median.TotalMS)
		}
		if cold != nil {
			first.Measured += fmt.Sprintf("; %.1f ms with an empty cache", cold.median.TotalMS)
		}
		first.Value = &w.TotalMS
		first.Met = boolp(w.TotalMS <= 5)
	}
	out = append(out, first)

	scale := Target{Name: "1,000 handlers: start-up with warm cache / idle RSS", Goal: "<= 2 s / <= 300 MB", Measured: "not measured"}
	for _, s := range res.Scale {
		if s.Handlers == 1000 && s.Cache == "warm" {
			sec, mb := s.Result.StartupMS/1000, float64(s.Result.IdleRSSKB)/1024
			scale.Measured = fmt.Sprintf("%.2f s / %.0f MB", sec, mb)
			scale.Met = boolp(sec <= 2 && mb <= 300)
		}
	}
	out = append(out, scale)

	goProxy := Target{Name: "/go (standard Go guest) ÷ /proxy", Goal: "measured and explained", Measured: "not measured"}
	if len(res.GoOverProxy) > 0 {
		var parts []string
		for _, t := range res.Throughput {
			if r, ok := res.GoOverProxy[fmt.Sprint(t.Concurrency)]; ok && t.Target == "go" {
				parts = append(parts, fmt.Sprintf("c=%d: %.3f", t.Concurrency, r))
			}
		}
		goProxy.Measured = strings.Join(parts, ", ") + " (see the paced table and the explanation below)"
	}
	out = append(out, goProxy)
	return out
}

func respondAt(res *Results, c int) *Throughput { return find(res.Throughput, "respond", c) }

func boolp(b bool) *bool { return &b }

// Matches e.g. BenchmarkInvoke/as-2, BenchmarkHelloAS-2.
var asBenchName = regexp.MustCompile(`(?i)(hello.?as\b|\bas.?hello|assemblyscript|/as(-\d+)?$)`)

// asBenchmark picks the sandbox benchmark of one AssemblyScript hello
// invocation (the fastest if several match, e.g. sub-benchmarks). Runs of
// other ways to stop guests (BenchmarkStopChecks/.../none and .../checks)
// are not what users get and never count.
func asBenchmark(bs []GoBench) *GoBench {
	var match []GoBench
	for _, b := range bs {
		if asBenchName.MatchString(b.Name) && !strings.Contains(b.Name, "/none") && !strings.Contains(b.Name, "/checks") {
			match = append(match, b)
		}
	}
	if len(match) == 0 {
		return nil
	}
	sort.Slice(match, func(i, j int) bool { return match[i].NsPerOp < match[j].NsPerOp })
	return &match[0]
}
