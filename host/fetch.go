package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// fetch is fetch(req_ptr, req_len, body_ptr, body_len, out_ptr): it
// checks the ranges (invalid), the grant (denied), the request (invalid)
// and the run's count (limit), then sends the request through the
// handler's Fetcher and keeps the response under a new handle.
func fetch(ctx context.Context, r *Run, g *guest) Status {
	reqB, bodyB := g.bytes(0), g.bytes(2)
	out := g.out(4, 12)
	if !g.ok {
		return StatusInvalid
	}
	if r.Grants == nil || r.Grants.Fetcher == nil {
		return r.deny("fetch", "no fetch allow-list is granted")
	}
	req, err := DecodeFetchRequest(reqB)
	if err != nil {
		return StatusInvalid
	}
	if len(bodyB) > 0 {
		req.Body = bytes.Clone(bodyB)
	}
	r.mu.Lock()
	r.fetchCalls++
	over := r.fetchCalls > r.maxFetchCalls()
	r.mu.Unlock()
	if over {
		return StatusLimit
	}
	resp, err := r.Grants.Fetcher.Fetch(ctx, req)
	if err != nil {
		if errors.Is(err, ErrDenied) {
			return r.deny("fetch", err.Error())
		}
		return StatusOf(err)
	}
	head := EncodeFetchHead(resp)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = append(r.responses, &response{head: head, body: resp.Body})
	g.mem.WriteUint32Le(out, uint32(len(r.responses)))
	g.mem.WriteUint32Le(out+4, uint32(len(head)))
	g.mem.WriteUint32Le(out+8, uint32(len(resp.Body)))
	return StatusOK
}

// fetchHead is fetch_head(handle, buf_ptr, buf_cap, len_out).
func fetchHead(_ context.Context, r *Run, g *guest) Status {
	return fetchPart(r, g, func(resp *response) []byte { return resp.head })
}

// fetchBody is fetch_body(handle, buf_ptr, buf_cap, len_out).
func fetchBody(_ context.Context, r *Run, g *guest) Status {
	return fetchPart(r, g, func(resp *response) []byte { return resp.body })
}

func fetchPart(r *Run, g *guest, part func(*response) []byte) Status {
	buf, bufCap := g.u32(1), g.u32(2)
	g.view(buf, bufCap)
	lenOut := g.out(3, 4)
	if !g.ok {
		return StatusInvalid
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	resp := r.response(g.u32(0))
	if resp == nil {
		return StatusInvalid
	}
	return g.result(part(resp), buf, bufCap, lenOut)
}

// fetchClose is fetch_close(handle).
func fetchClose(_ context.Context, r *Run, g *guest) Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := g.u32(0)
	if r.response(h) == nil {
		return StatusInvalid
	}
	r.responses[h-1] = nil
	return StatusOK
}

// response is the open response of handle h, or nil. r.mu is held.
func (r *Run) response(h uint32) *response {
	if h == 0 || uint64(h) > uint64(len(r.responses)) {
		return nil
	}
	return r.responses[h-1]
}

// fetchRequest is the request object of the ABI.
type fetchRequest struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers"`
}

// errBadRequest is why a fetch request is refused before it is sent.
var errBadRequest = errors.New("malformed fetch request")

// DecodeFetchRequest decodes a fetch request object (docs/host-abi.md):
// method defaults to GET and must be an HTTP token; url must be an
// absolute http or https URL with a host; header names must be HTTP
// tokens and values HTTP field values. Members it does not know are
// ignored. Its error wraps ErrInvalid.
func DecodeFetchRequest(b []byte) (*FetchRequest, error) {
	var in fetchRequest
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, errors.Join(ErrInvalid, err)
	}
	if in.Method == "" {
		in.Method = http.MethodGet
	}
	if !httpguts.ValidHeaderFieldName(in.Method) {
		return nil, errors.Join(ErrInvalid, errBadRequest)
	}
	u, err := url.Parse(in.URL)
	if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
		return nil, errors.Join(ErrInvalid, errBadRequest)
	}
	h := make(http.Header, len(in.Headers))
	for name, values := range in.Headers {
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, errors.Join(ErrInvalid, errBadRequest)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, errors.Join(ErrInvalid, errBadRequest)
			}
		}
		key := http.CanonicalHeaderKey(name)
		h[key] = append(h[key], values...)
	}
	return &FetchRequest{Method: in.Method, URL: in.URL, Header: h}, nil
}

// fetchHeadJSON is the head object of the ABI.
type fetchHeadJSON struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers"`
}

// EncodeFetchHead encodes a response's head object (docs/host-abi.md):
// {"status": 200, "headers": {"Content-Type": ["text/plain"]}}, header
// names sorted, headers {} when there are none.
func EncodeFetchHead(resp *FetchResponse) []byte {
	h := resp.Header
	if h == nil {
		h = http.Header{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// As JSON.stringify escapes: the harness's heads are the same bytes.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(fetchHeadJSON{Status: resp.Status, Headers: h}) // an int and strings always encode
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
