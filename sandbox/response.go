package sandbox

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/valyala/fastjson"
)

// Response is the contract's response, decoded and checked.
type Response struct {
	Status  int
	Headers map[string][]string
	Body    []byte
}

// parsers are reused: fastjson parses without allocating once warm, where
// encoding/json's reflection cost ~20 allocations per response.
var parsers fastjson.ParserPool

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
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(trimmed)
	if err != nil {
		if bytes.Contains([]byte(err.Error()), []byte("unexpected tail")) {
			return nil, fmt.Errorf("stdout has more after the response object: %w", err)
		}
		return nil, fmt.Errorf("stdout is not a valid response object: %w", err)
	}
	status := v.Get("status")
	if status == nil {
		return nil, errors.New(`the response has no "status"`)
	}
	n, err := status.Int()
	if err != nil {
		return nil, fmt.Errorf(`"status" must be an integer, got %s`, status)
	}
	if n < 100 || n > 599 {
		return nil, fmt.Errorf(`"status" %d is outside 100..599`, n)
	}
	resp := &Response{Status: n}
	if resp.Headers, err = decodeHeaders(v.Get("headers")); err != nil {
		return nil, err
	}
	if resp.Body, err = decodeBody(v.Get("body"), v.Get("body_encoding")); err != nil {
		return nil, err
	}
	return resp, nil
}

// decodeHeaders checks that h is absent, null, or an object whose values
// are arrays of strings. All names and values share one string and all
// value lists one backing array: three allocations for any number of headers.
func decodeHeaders(h *fastjson.Value) (map[string][]string, error) {
	if h == nil || h.Type() == fastjson.TypeNull {
		return nil, nil
	}
	obj, err := h.Object()
	if err != nil {
		return nil, fmt.Errorf(`"headers" must be an object, got %s`, h.Type())
	}
	// First pass: check the shape and size everything.
	size, count := 0, 0
	obj.Visit(func(key []byte, vs *fastjson.Value) {
		if err != nil || vs.Type() == fastjson.TypeNull {
			return
		}
		arr, aerr := vs.Array()
		if aerr != nil {
			err = fmt.Errorf(`header %q must be an array of strings, got %s`, key, vs.Type())
			return
		}
		size += len(key)
		for _, v := range arr {
			b, serr := v.StringBytes()
			if serr != nil {
				err = fmt.Errorf(`header %q must be an array of strings, has %s`, key, v.Type())
				return
			}
			size += len(b)
			count++
		}
	})
	if err != nil {
		return nil, err
	}
	text := make([]byte, 0, size)
	values := make([]string, 0, count)
	type span struct{ name, first, end int }
	spans := make([]span, 0, obj.Len())
	obj.Visit(func(key []byte, vs *fastjson.Value) {
		if vs.Type() == fastjson.TypeNull {
			return
		}
		text = append(text, key...)
		sp := span{name: len(text), first: len(values)}
		arr, _ := vs.Array()
		for _, v := range arr {
			b, _ := v.StringBytes()
			text = append(text, b...)
			values = append(values, "") // filled in below, once text is a string
		}
		sp.end = len(values)
		spans = append(spans, sp)
	})
	all := string(text)
	headers := make(map[string][]string, len(spans))
	// Third pass over the same object: slice names and values out of all.
	pos, i := 0, 0
	obj.Visit(func(key []byte, vs *fastjson.Value) {
		if vs.Type() == fastjson.TypeNull {
			return
		}
		sp := spans[i]
		i++
		name := all[pos:sp.name]
		pos = sp.name
		arr, _ := vs.Array()
		for j, v := range arr {
			b, _ := v.StringBytes()
			values[sp.first+j] = all[pos : pos+len(b)]
			pos += len(b)
		}
		headers[name] = values[sp.first:sp.end:sp.end]
	})
	return headers, nil
}

// decodeBody decodes body (absent or null: empty) under its encoding.
func decodeBody(body, encoding *fastjson.Value) ([]byte, error) {
	enc := ""
	if encoding != nil && encoding.Type() != fastjson.TypeNull {
		b, err := encoding.StringBytes()
		if err != nil {
			return nil, fmt.Errorf(`"body_encoding" must be a string, got %s`, encoding.Type())
		}
		enc = string(b)
	}
	if enc != "" && enc != "base64" {
		return nil, fmt.Errorf(`unknown "body_encoding" %q`, enc)
	}
	if body == nil || body.Type() == fastjson.TypeNull {
		return nil, nil
	}
	b, err := body.StringBytes()
	if err != nil {
		return nil, fmt.Errorf(`"body" must be a string, got %s`, body.Type())
	}
	if enc == "base64" {
		out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
		n, err := base64.StdEncoding.Decode(out, b)
		if err != nil {
			return nil, fmt.Errorf(`"body" is not valid base64: %w`, err)
		}
		return out[:n], nil
	}
	return bytes.Clone(b), nil
}

// head shortens b for an error message.
func head(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
