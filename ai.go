package gojinn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/metrics"
)

// Defaults of the ai block (docs/ai.md).
const (
	DefaultAITimeout     = 60 * time.Second
	DefaultAIMaxResponse = 10 * 1000 * 1000 // 10MB
)

// AIConfig is the gojinn app's `ai` block (docs/ai.md): the
// OpenAI-compatible endpoint that handlers with the `ai` grant reach
// through the ai_chat host function. Placeholders ({env.X}) are resolved
// when a handler with the grant loads.
type AIConfig struct {
	// Endpoint is the API's base URL, to which /chat/completions is
	// added, e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1"
	// (Ollama). Required.
	Endpoint string `json:"endpoint"`

	// Model is the model of a call that names none. Default: none (a
	// call must name one).
	Model string `json:"model,omitempty"`

	// APIKey is sent as `Authorization: Bearer <key>`; write it as a
	// placeholder ({env.OPENAI_API_KEY}) so that Caddy's config shows the
	// placeholder, not the key. Default: no Authorization header.
	APIKey string `json:"api_key,omitempty"`

	// Timeout bounds each call; the run's own deadline bounds it too.
	// Default: 60s.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	// MaxResponse caps the endpoint's response, in bytes; a larger one is
	// the `too_large` status. Default: 10MB.
	MaxResponse int64 `json:"max_response,omitempty"`
}

// aiClient is one handler's AI backend: the endpoint of the app's ai
// block, the handler's token counters and logger.
type aiClient struct {
	url, model, key string
	timeout         time.Duration
	maxResponse     int64
	http            *http.Client
	tokens          *metrics.AITokens
	logger          *zap.Logger
}

// newClient resolves the block's placeholders and checks it.
func (c *AIConfig) newClient(logger *zap.Logger, tokens *metrics.AITokens) (*aiClient, error) {
	repl := caddy.NewReplacer()
	endpoint := strings.TrimSuffix(repl.ReplaceKnown(c.Endpoint, ""), "/")
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ai: endpoint %q is not an http or https URL", c.Endpoint)
	}
	if c.Timeout < 0 || c.MaxResponse < 0 {
		return nil, fmt.Errorf("ai: timeout and max_response may not be negative")
	}
	client := &aiClient{
		url:         endpoint + "/chat/completions",
		model:       repl.ReplaceKnown(c.Model, ""),
		key:         repl.ReplaceKnown(c.APIKey, ""),
		timeout:     time.Duration(c.Timeout),
		maxResponse: c.MaxResponse,
		http:        &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		tokens:      tokens,
		logger:      logger,
	}
	if client.timeout == 0 {
		client.timeout = DefaultAITimeout
	}
	if client.maxResponse == 0 {
		client.maxResponse = DefaultAIMaxResponse
	}
	return client, nil
}

// close closes the idle connections to the endpoint.
func (c *aiClient) close() { c.http.CloseIdleConnections() }

// chatCompletion is the part of an OpenAI chat completion response that
// Gojinn reads.
type chatCompletion struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     uint32 `json:"prompt_tokens"`
		CompletionTokens uint32 `json:"completion_tokens"`
	} `json:"usage"`
}

// Chat sends one chat completion, never cached: POST
// {endpoint}/chat/completions. A failure is logged without the key;
// 429 and 5xx answers, like an unreachable endpoint, are unavailable;
// other answers that are not a completion are io_error.
func (c *aiClient) Chat(ctx context.Context, req *host.ChatRequest) (*host.ChatAnswer, error) {
	model := req.Model
	if model == "" {
		model = c.model
	}
	if model == "" {
		return nil, fmt.Errorf("ai: no model given and no default model: %w", host.ErrInvalid)
	}
	body, err := json.Marshal(struct {
		Model    string             `json:"model"`
		Messages []host.ChatMessage `json:"messages"`
		Stream   bool               `json:"stream"`
	}{model, req.Messages, false})
	if err != nil {
		return nil, errors.Join(host.ErrInvalid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.key != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, c.fail(ctx, "ai endpoint unreachable", err, host.ErrUnavailable)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResponse+1))
	if err != nil {
		return nil, c.fail(ctx, "reading the ai endpoint's answer", err, host.ErrUnavailable)
	}
	if int64(len(b)) > c.maxResponse {
		return nil, fmt.Errorf("ai: answer over max_response: %w", host.ErrTooLarge)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.logger.Warn("ai endpoint answered an error", zap.Int("status", resp.StatusCode), zap.String("body", c.redact(b, 512)))
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			return nil, fmt.Errorf("ai: endpoint status %d: %w", resp.StatusCode, host.ErrUnavailable)
		}
		return nil, fmt.Errorf("ai: endpoint status %d", resp.StatusCode)
	}
	var cc chatCompletion
	if err := json.Unmarshal(b, &cc); err != nil || len(cc.Choices) == 0 {
		c.logger.Warn("ai endpoint's answer is not a chat completion", zap.String("body", c.redact(b, 512)))
		return nil, errors.New("ai: not a chat completion")
	}
	c.tokens.Add(cc.Usage.PromptTokens, cc.Usage.CompletionTokens)
	return &host.ChatAnswer{
		Text:             cc.Choices[0].Message.Content,
		PromptTokens:     cc.Usage.PromptTokens,
		CompletionTokens: cc.Usage.CompletionTokens,
	}, nil
}

// fail logs a failed exchange and returns its error: a timeout when ctx
// (the run's stop or the call's timeout) ended it, else kind.
func (c *aiClient) fail(ctx context.Context, msg string, err, kind error) error {
	if ctx.Err() != nil {
		return errors.Join(host.ErrTimeout, ctx.Err())
	}
	c.logger.Warn(msg, zap.String("error", c.redact([]byte(err.Error()), 512)))
	return errors.Join(kind, err)
}

// redact is at most n bytes of b without the key, should the endpoint
// echo it.
func (c *aiClient) redact(b []byte, n int) string {
	s := string(b[:min(len(b), n)])
	if c.key != "" {
		s = strings.ReplaceAll(s, c.key, "REDACTED")
	}
	return s
}

// provisionAI gives the handler the app's ai block, when granted, with
// its own token counters.
func (g *Gojinn) provisionAI(ctx caddy.Context, app *App) error {
	if !g.AI {
		return nil
	}
	if app.AI == nil {
		return fmt.Errorf("gojinn: %s: ai: no ai block in the gojinn global options (docs/ai.md)", g.Path)
	}
	tokens, err := metrics.NewAITokens(ctx.GetMetricsRegistry(), g.name)
	if err != nil {
		return fmt.Errorf("gojinn: %s: registering metrics: %w", g.Path, err)
	}
	client, err := app.AI.newClient(g.logger, tokens)
	if err != nil {
		return fmt.Errorf("gojinn: %s: %w", g.Path, err)
	}
	g.host.ai, g.host.grants.AI = client, client
	return nil
}
