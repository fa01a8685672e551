package metrics

import "github.com/prometheus/client_golang/prometheus"

// labelKind is the kind of an AI token count: prompt or completion.
const labelKind = "kind"

// AITokens counts one handler's AI tokens: gojinn_ai_tokens_total
// {handler, kind="prompt"|"completion"}. A nil *AITokens counts nothing.
type AITokens struct {
	prompt, completion prometheus.Counter
}

// NewAITokens registers (or reuses) gojinn_ai_tokens_total on reg and
// returns handler's counters. It is called once per handler with the ai
// grant, at load. A nil reg gives a nil *AITokens.
func NewAITokens(reg prometheus.Registerer, handler string) (*AITokens, error) {
	if isNilRegisterer(reg) {
		return nil, nil
	}
	c, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "ai_tokens_total",
		Help:      "Tokens of the chat completions of the ai_chat host function (docs/ai.md), as the endpoint reported them, by handler and kind (prompt, completion).",
	}, []string{labelHandler, labelKind}))
	if err != nil {
		return nil, err
	}
	return &AITokens{
		prompt:     c.WithLabelValues(handler, "prompt"),
		completion: c.WithLabelValues(handler, "completion"),
	}, nil
}

// Add counts one completion's tokens.
func (t *AITokens) Add(prompt, completion uint32) {
	if t == nil {
		return
	}
	t.prompt.Add(float64(prompt))
	t.completion.Add(float64(completion))
}
