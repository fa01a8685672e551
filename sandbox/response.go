package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Response is the contract's response, decoded and checked.
type Response struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// wireResponse is the response as JSON; pointers tell absent from zero.
type wireResponse struct {
	Status       *int                `json:"status"`
	Headers      map[string][]string `json:"headers"`
	Body         *string             `json:"body"`
	BodyEncoding string              `json:"body_encoding"`
}

// DecodeResponse checks that out is exactly one valid contract response
// object, optionally surrounded by white space, and decodes it.
func DecodeResponse(out []byte) (*Response, error) {
	trimmed := bytes.TrimSpace(out)
	if len(trimmed) == 0 {
		return nil, errors.New("the guest wrote nothing to stdout")
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("stdout does not start with a JSON object: %q", head(trimmed))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var w wireResponse
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("stdout is not a valid response object: %w", err)
	}
	if rest := trimmed[dec.InputOffset():]; len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("stdout has more after the response object: %q", head(rest))
	}
	if w.Status == nil {
		return nil, errors.New(`the response has no "status"`)
	}
	if *w.Status < 100 || *w.Status > 599 {
		return nil, fmt.Errorf(`"status" %d is outside 100..599`, *w.Status)
	}
	resp := &Response{Status: *w.Status, Headers: w.Headers}
	if w.Body != nil {
		switch w.BodyEncoding {
		case "":
			resp.Body = []byte(*w.Body)
		case "base64":
			b, err := base64.StdEncoding.DecodeString(*w.Body)
			if err != nil {
				return nil, fmt.Errorf(`"body" is not valid base64: %w`, err)
			}
			resp.Body = b
		default:
			return nil, fmt.Errorf(`unknown "body_encoding" %q`, w.BodyEncoding)
		}
	}
	return resp, nil
}

// head shortens b for an error message.
func head(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
