package metrics_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gojinn/gojinn/metrics"
)

// gojinn_ai_tokens_total counts each handler's prompt and completion
// tokens on its own series; a second handler (or load) reuses the
// collector; without a registry nothing is counted and nothing fails.
func TestAITokens(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := metrics.NewAITokens(reg, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := metrics.NewAITokens(reg, "b")
	if err != nil {
		t.Fatal(err)
	}
	a.Add(11, 7)
	a.Add(1, 2)
	b.Add(5, 0)
	want := `
# HELP gojinn_ai_tokens_total Tokens of the chat completions of the ai_chat host function (docs/ai.md), as the endpoint reported them, by handler and kind (prompt, completion).
# TYPE gojinn_ai_tokens_total counter
gojinn_ai_tokens_total{handler="a",kind="completion"} 9
gojinn_ai_tokens_total{handler="a",kind="prompt"} 12
gojinn_ai_tokens_total{handler="b",kind="completion"} 0
gojinn_ai_tokens_total{handler="b",kind="prompt"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "gojinn_ai_tokens_total"); err != nil {
		t.Error(err)
	}
	off, err := metrics.NewAITokens(nil, "a")
	if off != nil || err != nil {
		t.Fatalf("without a registry: %v, %v", off, err)
	}
	off.Add(1, 1)
}
