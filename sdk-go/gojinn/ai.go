package gojinn

import (
	"context"
	"encoding/json"
	"fmt"
)

// Message is one message of a chat: its role ("system", "user" or
// "assistant") and its text.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Chat asks the gojinn app's AI endpoint (docs/ai.md) to complete the
// conversation with its default model and returns the answer's text.
// The handler must be granted `ai`. Answers are never cached. The error
// wraps ErrDenied without the grant, ErrUnavailable when the endpoint
// cannot be reached or fails (or outside Gojinn), ErrTimeout when the
// handler's timeout cuts the call, ErrTooLarge for an answer over
// max_response, ErrInvalid for no messages or no model, ErrIO for an
// answer that is not a completion. ctx ending before the call is its
// error; the call itself is bounded by the run's deadline.
func Chat(ctx context.Context, messages []Message) (string, error) {
	return chat(ctx, hostABI{}, "", messages)
}

// ChatModel is Chat with model rather than the endpoint's default model.
func ChatModel(ctx context.Context, model string, messages []Message) (string, error) {
	return chat(ctx, hostABI{}, model, messages)
}

// chatRequest is ai_chat's request object (docs/host-abi.md).
type chatRequest struct {
	Model    string    `json:"model,omitempty"`
	Messages []Message `json:"messages"`
}

func chat(ctx context.Context, a abi, model string, messages []Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("gojinn: chat: %w", err)
	}
	req, err := json.Marshal(chatRequest{Model: model, Messages: messages})
	if err != nil {
		return "", fmt.Errorf("gojinn: chat: %v: %w", err, ErrInvalid)
	}
	handle, size, st := a.aiChat(req)
	if st != statusOK {
		return "", fmt.Errorf("gojinn: chat: %w", st.err())
	}
	defer a.fetchClose(handle)
	text, st := readSized(make([]byte, size), func(buf []byte) (uint32, status) { return a.fetchBody(handle, buf) })
	if st != statusOK {
		return "", fmt.Errorf("gojinn: chat: %w", st.err())
	}
	return string(text), nil
}
