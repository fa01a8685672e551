package main

// The chart is plain SVG text written here rather than by a plotting
// library: Go's standard library has none, the bench must not depend on a
// Python plotting stack (matplotlib is not on the bench machines), and two
// grouped bar panels on a log scale take about a hundred lines.

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

var targetColor = map[string]string{
	"respond": "#4c78a8",
	"wat":     "#f58518",
	"as":      "#54a24b",
	"go":      "#e45756",
	"proxy":   "#8c6d31",
}

const (
	panelW, panelH = 480, 380
	marginL        = 64
	marginR        = 12
	marginT        = 56
	marginB        = 48
)

// chart draws requests/s and p99 latency per target, grouped by
// concurrency, each on a log scale.
func chart(res *Results) string {
	var levels []int
	var targets []string
	seenL, seenT := map[int]bool{}, map[string]bool{}
	for _, t := range res.Throughput {
		if !seenL[t.Concurrency] {
			seenL[t.Concurrency] = true
			levels = append(levels, t.Concurrency)
		}
		if !seenT[t.Target] {
			seenT[t.Target] = true
			targets = append(targets, t.Target)
		}
	}
	sort.Ints(levels)
	sort.Slice(targets, func(i, j int) bool { return targetRank(targets[i]) < targetRank(targets[j]) })

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		2*panelW, panelH+28, 2*panelW, panelH+28)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	// Legend.
	x := marginL
	for _, t := range targets {
		fmt.Fprintf(&b, `<rect x="%d" y="8" width="12" height="12" fill="%s"/><text x="%d" y="18">/%s</text>`+"\n", x, targetColor[t], x+16, t)
		x += 24 + 8*len(t) + 16
	}
	env := res.Environment
	fmt.Fprintf(&b, `<text x="%d" y="18" text-anchor="end" fill="#555">%s cores, %s, commit %s%s</text>`+"\n",
		2*panelW-marginR, esc(env["cores"]), esc(env["cpu"]), esc(env["git_commit"]), map[bool]string{true: " (QUICK run)", false: ""}[res.Quick])

	panel(&b, 0, "requests/s (log scale, higher is better)", levels, targets, res, func(t *Throughput) float64 { return t.RequestsPS })
	panel(&b, panelW, "p99 latency, ms (log scale, lower is better)", levels, targets, res, func(t *Throughput) float64 { return t.LatencyMS.P99 })
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">concurrent connections (wrk -c)</text>`+"\n", panelW, panelH+20)
	b.WriteString("</svg>\n")
	return b.String()
}

func panel(b *strings.Builder, x0 int, title string, levels []int, targets []string, res *Results, value func(*Throughput) float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range res.Throughput {
		if v := value(&res.Throughput[i]); v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		return
	}
	dLo, dHi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dHi == dLo {
		dHi++
	}
	plotW, plotH := panelW-marginL-marginR, panelH-marginT-marginB
	y := func(v float64) float64 {
		return float64(marginT+plotH) - (math.Log10(v)-dLo)/(dHi-dLo)*float64(plotH)
	}
	fmt.Fprintf(b, `<g transform="translate(%d,0)">`+"\n", x0)
	fmt.Fprintf(b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", marginL, marginT-14, esc(title))
	// Grid: every power of ten, with light lines at 2× and 5×.
	for d := dLo; d <= dHi; d++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, d)
			if math.Log10(v) > dHi+1e-9 {
				break
			}
			yy := y(v)
			color := "#eee"
			if m == 1 {
				color = "#ccc"
				fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="#555">%s</text>`+"\n", marginL-6, yy, tick(v))
			}
			fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s"/>`+"\n", marginL, marginL+plotW, yy, yy, color)
		}
	}
	groupW := float64(plotW) / float64(len(levels))
	barW := groupW * 0.8 / float64(len(targets))
	for gi, c := range levels {
		gx := float64(marginL) + float64(gi)*groupW
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">c=%d</text>`+"\n", gx+groupW/2, marginT+plotH+18, c)
		for ti, target := range targets {
			t := find(res.Throughput, target, c)
			if t == nil || value(t) <= 0 {
				continue
			}
			v := value(t)
			bx := gx + groupW*0.1 + float64(ti)*barW
			by := y(v)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>/%s c=%d: %s</title></rect>`+"\n",
				bx, by, barW-1, float64(marginT+plotH)-by, targetColor[target], target, c, tick(v))
		}
	}
	fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`+"\n", marginL, marginL+plotW, marginT+plotH, marginT+plotH)
	b.WriteString("</g>\n")
}

func tick(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%gk", round(v/1e3, 1))
	case v >= 1:
		return fmt.Sprintf("%g", round(v, 1))
	default:
		return fmt.Sprintf("%g", round(v, 3))
	}
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
