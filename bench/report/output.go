package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// The generated part of docs/benchmarks.md lies between these markers.
const (
	beginMarker = "<!-- bench/report: begin generated section (make bench rewrites it) -->"
	endMarker   = "<!-- bench/report: end generated section -->"
)

func writeJSON(path string, res *Results) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// replaceGenerated rewrites what lies between the markers in path.
func replaceGenerated(path, generated string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	page := string(b)
	i, j := strings.Index(page, beginMarker), strings.Index(page, endMarker)
	if i < 0 || j < i {
		return fmt.Errorf("%s: the markers %q and %q are missing", path, beginMarker, endMarker)
	}
	page = page[:i+len(beginMarker)] + "\n\n" + strings.TrimSpace(generated) + "\n\n" + page[j:]
	return os.WriteFile(path, []byte(page), 0o644)
}
