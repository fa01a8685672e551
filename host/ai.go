package host

import (
	"context"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// ChatMessage is one message of a chat completion: its role ("system",
// "user", "assistant") and its text.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatRequest is a guest's chat completion, as decoded from the ABI.
type ChatRequest struct {
	// Model overrides the app's default model; empty: the default.
	Model    string        `json:"model,omitempty"`
	Messages []ChatMessage `json:"messages"`
}

// ChatAnswer is a chat completion's text and token usage.
type ChatAnswer struct {
	Text             string
	PromptTokens     uint32
	CompletionTokens uint32
}

// AI answers a handler's chat completions (the gojinn app's `ai` block
// implements it). It returns ErrTooLarge for an answer over its cap,
// ErrUnavailable when the endpoint cannot be reached or fails, ErrTimeout
// (or ctx's error) when ctx is done: ctx is the run's.
type AI interface {
	Chat(ctx context.Context, req *ChatRequest) (*ChatAnswer, error)
}

// DecodeChatRequest decodes an ai_chat request object
// (docs/host-abi.md): at least one message, each with a role; members
// it does not know are ignored. Its error wraps ErrInvalid.
func DecodeChatRequest(b []byte) (*ChatRequest, error) {
	if !utf8.Valid(b) {
		return nil, ErrInvalid
	}
	var req ChatRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, errors.Join(ErrInvalid, err)
	}
	if len(req.Messages) == 0 {
		return nil, errors.Join(ErrInvalid, errors.New("no messages"))
	}
	for _, m := range req.Messages {
		if m.Role == "" {
			return nil, errors.Join(ErrInvalid, errors.New("a message without a role"))
		}
	}
	return &req, nil
}

// aiChat is ai_chat(req_ptr, req_len, out_ptr): it checks the ranges
// (invalid), the grant (denied) and the request (invalid), asks the
// handler's AI and keeps the answer's text under a new handle, read with
// fetch_body and freed with fetch_close. On ok it writes four u32 at
// out_ptr: the handle, the text's size, the prompt and completion tokens.
func aiChat(ctx context.Context, r *Run, g *guest) Status {
	reqB := g.bytes(0)
	out := g.out(2, 16)
	if !g.ok {
		return StatusInvalid
	}
	if r.Grants == nil || r.Grants.AI == nil {
		return r.deny("ai_chat", "the ai grant is not given")
	}
	req, err := DecodeChatRequest(reqB)
	if err != nil {
		return StatusInvalid
	}
	ans, err := r.Grants.AI.Chat(ctx, req)
	if err != nil {
		return StatusOf(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = append(r.responses, &response{body: []byte(ans.Text)})
	g.mem.WriteUint32Le(out, uint32(len(r.responses)))
	g.mem.WriteUint32Le(out+4, uint32(len(ans.Text)))
	g.mem.WriteUint32Le(out+8, ans.PromptTokens)
	g.mem.WriteUint32Le(out+12, ans.CompletionTokens)
	return StatusOK
}
