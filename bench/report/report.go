// Command report turns the raw measurements bench/run.sh leaves in
// bench/out/raw into the bench's results: a machine-readable JSON file (one
// object per target and concurrency), an SVG chart, and the generated part of
// docs/benchmarks.md (between its "bench/report" markers; the hand-written
// rest of the page is kept).
//
//	report -raw bench/out/raw -json bench/results/latest.json \
//	       -svg bench/results/latest.svg -md docs/benchmarks.md -svg-link ../bench/results/latest.svg
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	raw := flag.String("raw", "bench/out/raw", "directory of raw measurements from bench/run.sh")
	jsonOut := flag.String("json", "bench/out/results.json", "results JSON to write")
	svgOut := flag.String("svg", "bench/out/results.svg", "chart to write")
	mdOut := flag.String("md", "", "Markdown page whose generated section is replaced")
	svgLink := flag.String("svg-link", "results.svg", "the chart's path as linked from the Markdown page")
	flag.Parse()

	if err := run(*raw, *jsonOut, *svgOut, *mdOut, *svgLink); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(raw, jsonOut, svgOut, mdOut, svgLink string) error {
	res, err := load(raw)
	if err != nil {
		return err
	}
	if err := writeJSON(jsonOut, res); err != nil {
		return err
	}
	if err := os.WriteFile(svgOut, []byte(chart(res)), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", svgOut, err)
	}
	if mdOut != "" {
		if err := replaceGenerated(mdOut, markdown(res, svgLink)); err != nil {
			return err
		}
	}
	return nil
}
