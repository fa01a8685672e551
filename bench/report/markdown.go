package main

import (
	"fmt"
	"strings"
)

// markdown renders the generated section of docs/benchmarks.md.
func markdown(res *Results, svgLink string) string {
	var b strings.Builder
	env := res.Environment
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("## Latest run\n\n")
	kind := "full run"
	if res.Quick {
		kind = "**QUICK run** (short, fewer levels: indicative only)"
	}
	dirty := ""
	if env["git_dirty"] == "yes" {
		dirty = " plus uncommitted changes"
	}
	p("%s, %s, commit `%s`%s.\n\n", kind, env["date"], env["git_commit"], dirty)
	p("| machine | |\n|---|---|\n")
	for _, k := range []string{"cpu", "cores", "memory_gib", "os", "kernel", "go", "caddy", "wazero", "wrk", "wat2wasm", "node", "loadavg_start", "loadavg_end"} {
		p("| %s | %s |\n", k, env[k])
	}
	p("\nloadavg is the machine's 1/5/15-minute load average when the run started and ended: above about 0.5, other work competed with Caddy and wrk and the figures are noisier.\n")
	p("\nwrk and Caddy share the machine's %s cores; everything runs on loopback. Each wrk run lasts %s s; "+
		"at every concurrency level the targets run interleaved (%s), %s round(s), and each figure is the median over the rounds; ÷ /respond is the median of the per-round ratios (each round's run against the /respond run of the same round).\n\n",
		env["cores"], env["duration_s"], strings.ReplaceAll(env["targets"], " ", ", "), env["rounds"])

	p("### Targets\n\n| target | goal | this run | met |\n|---|---|---|---|\n")
	for _, t := range res.Targets {
		met := "—"
		if t.Met != nil {
			met = map[bool]string{true: "**yes**", false: "**no**"}[*t.Met]
		}
		p("| %s | %s | %s | %s |\n", t.Name, t.Goal, t.Measured, met)
	}

	p("\n### Throughput and latency\n\n![requests/s and p99 latency per target and concurrency](%s)\n\n", svgLink)
	p("| c | target | requests/s | ÷ /respond | p50 ms | p99 ms | p99.9 ms | CPU s / 1k req | Caddy RSS MB | errors |\n")
	p("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, t := range res.Throughput {
		ratio := ""
		if t.RatioToRespond != nil {
			ratio = fmt.Sprintf("%.3f", *t.RatioToRespond)
		}
		cpu := fmt.Sprintf("%.3f", t.CPUSecondsPer1k)
		if t.CPUIncludesBackend {
			cpu += "¹"
		}
		p("| %d | /%s | %.0f | %s | %.3f | %.3f | %.3f | %s | %.0f | %d |\n",
			t.Concurrency, t.Target, t.RequestsPS, ratio, t.LatencyMS.P50, t.LatencyMS.P99, t.LatencyMS.P999, cpu, t.CaddyRSSMB, t.Errors)
	}
	p("\n¹ Caddy's CPU time plus the backend's: both processes serve /proxy.\n")
	if len(res.GoOverProxy) > 0 {
		var parts []string
		for _, t := range res.Throughput {
			if r, ok := res.GoOverProxy[fmt.Sprint(t.Concurrency)]; ok && t.Target == "go" {
				parts = append(parts, fmt.Sprintf("%.3f at c=%d", r, t.Concurrency))
			}
		}
		p("\n/go requests/s ÷ /proxy requests/s: %s.\n", strings.Join(parts, ", "))
	}

	if len(res.Paced) > 0 {
		p("\n### /go and /proxy at a fixed request rate\n\n")
		p("`probe pace` sends requests at a fixed rate whatever the answers' latency (an open loop; wrk's closed loop always keeps /go saturated). "+
			"Rates are fractions of /go's best requests/s under wrk (%.0f/s), which is what fresh Go instances can be made at.\n\n", res.Paced[0].GoMaxRPS)
		p("| rate /s | %% of /go max | target | sent | p50 ms | p90 ms | p99 ms | max ms | errors |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range res.Paced {
			l := x.Result.LatencyMS
			p("| %.1f | %d | /%s | %d | %.2f | %.2f | %.2f | %.2f | %d |\n", x.Result.RatePerS, x.PercentOfGoMax, x.Target, x.Result.Sent, l["p50"], l["p90"], l["p99"], l["max"], x.Result.Errors)
		}
	}

	if len(res.ColdStart) > 0 {
		p("\n### Cold start: config load to the first answer\n\n")
		p("A Caddy with only its admin API gets `POST /load` of a config with one handler; `probe load` then requests it (new connection each time) until the first 200. " +
			"*cold*: a fresh process with an empty compilation cache; *reload*: the same config loaded again into that process; *warm*: fresh processes with the cache the cold one filled. Medians over the samples.\n\n")
		p("| handler | case | samples | POST /load ms | first request ms | load → first 200 ms |\n|---|---|---:|---:|---:|---:|\n")
		for _, c := range coldStartCases(res.ColdStart) {
			p("| /%s | %s | %d | %.2f | %.2f | %.2f |\n", c.target, c.name, c.samples, c.median.LoadMS, c.median.FirstRequestMS, c.median.TotalMS)
		}
	}

	if len(res.Scale) > 0 {
		p("\n### Start-up and idle RSS with many handlers\n\n")
		p("N distinct handlers (the WAT guest, each with its own `handler_id` constant, so N distinct modules to compile). " +
			"Start-up: `bin/caddy run` started to the first 200 from the last handler. Idle RSS: VmRSS after a short idle pause. " +
			"*cold*: empty compilation cache; *warm*: the cache the cold start filled.\n\n")
		p("| handlers | cache | start-up ms | idle RSS MB |\n|---:|---|---:|---:|\n")
		for _, s := range res.Scale {
			p("| %d | %s | %.0f | %.1f |\n", s.Handlers, s.Cache, s.Result.StartupMS, float64(s.Result.IdleRSSKB)/1024)
		}
	}

	if s := res.Soak; s != nil {
		p("\n### RSS over a long run\n\n")
		p("%d requests to /%s at c=%d (%d errors): Caddy's RSS %.1f MB before, %.1f MB after, %.1f MB after 5 s idle.\n\n",
			s.Requests, s.Target, s.Concurrency, s.Errors, kb(s.RSSKBBefore), kb(s.RSSKBAfter), kb(s.RSSKBAfterIdle5s))
		p("| requests so far | RSS MB |\n|---:|---:|\n")
		step := max(1, len(s.Samples)/10)
		for i, x := range s.Samples {
			if i%step == 0 || i == len(s.Samples)-1 {
				p("| %d | %.1f |\n", x[0], kb(x[1]))
			}
		}
	}

	if res.goBenchText != "" {
		p("\n### Go benchmarks (sandbox/)\n\n```\n%s```\n", keepLines(res.goBenchText, func(l string) bool {
			return strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "goos") || strings.HasPrefix(l, "goarch") || strings.HasPrefix(l, "cpu") || strings.HasPrefix(l, "pkg")
		}))
	}

	if res.profileCPU != "" {
		p("\n### Where the time goes: CPU profile of Caddy under /%s at c=64\n\n", res.profileTarget)
		p("`curl 'http://localhost:2480/debug/pprof/profile?seconds=10'` during `wrk -c64` on /%s, then `go tool pprof -top` (top 25 by own time):\n\n```\n%s```\n",
			res.profileTarget, headLines(res.profileCPU, 26))
		if res.profileCPUCum != "" {
			p("\nThe same profile by cumulative time (`-top -cum`), top 35:\n\n```\n%s```\n", headLines(res.profileCPUCum, 36))
		}
		if res.profileAllocs != "" {
			p("\nAllocations over the same load (`allocs?seconds=10`, `-sample_index=alloc_space`), top 15:\n\n```\n%s```\n", headLines(res.profileAllocs, 16))
		}
	}

	p("\n### Reproduce\n\n```sh\n%s\n```\n", strings.Join(res.Commands, "\n"))
	return b.String()
}

func kb(x int64) float64 { return float64(x) / 1024 }

func keepLines(text string, keep func(string) bool) string {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if keep(l) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func headLines(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	// pprof's header lines ("File:", "Type:", ...) are dropped up to "Showing".
	for i, l := range lines {
		if strings.HasPrefix(l, "Showing") {
			lines = lines[i:]
			break
		}
	}
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n") + "\n"
}
