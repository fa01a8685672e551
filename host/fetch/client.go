package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/gojinn/gojinn/host"
)

// Defaults and fixed limits (docs/fetch.md).
const (
	// DefaultTimeout bounds a call when Config.Timeout is 0.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBody caps a response body when Config.MaxBody is 0.
	DefaultMaxBody = 10 * 1000 * 1000 // 10MB, as Caddy sizes are written
	// MaxRedirects is how many redirects a call follows before failing.
	MaxRedirects = 10
	// maxResponseHead caps a response's status line and headers.
	maxResponseHead = 1 << 20
	// maxPreallocated caps the memory taken for a body before it arrives.
	maxPreallocated = 1 << 20
)

// Config is a handler's fetch allow-list and limits.
type Config struct {
	// Allow is the allow-list: a request, or a redirect, to a URL that no
	// entry matches is denied. Empty denies everything.
	Allow []Rule
	// Timeout bounds each call, redirects and body included; 0 means
	// DefaultTimeout. The run's own deadline and stop always apply too.
	Timeout time.Duration
	// MaxBody caps each response body, in bytes; 0 means DefaultMaxBody.
	MaxBody int64
}

// Client sends a handler's outbound requests under its Config; it
// implements host.Fetcher and is safe for concurrent use.
//
// A Client keeps one http.Transport for all its calls, so that the runs of
// a handler reuse connections to the same origin (a TLS handshake costs
// more than most API calls) while handlers never share one: a connection
// was checked against its own handler's allow-list when it was dialed.
// Idle connections are capped (maxIdle, maxIdlePerHost) and closed after
// idleTimeout, or by Close.
type Client struct {
	rules     []Rule
	literal   map[netip.AddrPort]bool // the addresses entries name, dialed whatever they are
	timeout   time.Duration
	maxBody   int64
	transport *http.Transport
	client    *http.Client
}

// Connection pool of a Client.
const (
	maxIdle        = 64
	maxIdlePerHost = 8
	idleTimeout    = 90 * time.Second
)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.Timeout < 0 || cfg.MaxBody < 0 {
		return nil, errors.New("fetch: negative timeout or body cap")
	}
	c := &Client{
		rules:   cfg.Allow,
		literal: make(map[netip.AddrPort]bool),
		timeout: cfg.Timeout,
		maxBody: cfg.MaxBody,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxBody
	}
	for _, r := range cfg.Allow {
		if r.Scheme == "" {
			return nil, errors.New("fetch: an allow-list entry not made by ParseRule")
		}
		if r.addr.IsValid() {
			c.literal[netip.AddrPortFrom(r.addr, r.Port)] = true
		}
	}
	dialer := &net.Dialer{KeepAlive: 30 * time.Second, ControlContext: c.checkDial}
	c.transport = &http.Transport{
		Proxy:                  nil, // HTTP_PROXY and the like would bypass the allow-list
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           maxIdle,
		MaxIdleConnsPerHost:    maxIdlePerHost,
		IdleConnTimeout:        idleTimeout,
		TLSHandshakeTimeout:    DefaultTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxResponseHead,
	}
	c.client = &http.Client{Transport: c.transport, CheckRedirect: c.checkRedirect}
	return c, nil
}

// Close closes the Client's idle connections; calls in flight go on.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// Fetch sends req and returns its response with the whole body. Errors
// wrap host.ErrInvalid (bad method, URL or header), host.ErrDenied,
// host.ErrTooLarge, host.ErrTimeout (the call's timeout or ctx done),
// host.ErrUnavailable (DNS failure, connection refused); any other error
// is the guest's io_error.
func (c *Client) Fetch(ctx context.Context, req *host.FetchRequest) (*host.FetchResponse, error) {
	ctx, span := startSpan(ctx, req)
	resp, err := c.fetch(ctx, req, span)
	span.end(resp, err)
	return resp, err
}

func (c *Client) fetch(ctx context.Context, req *host.FetchRequest, span fetchSpan) (*host.FetchResponse, error) {
	hreq, err := c.request(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hreq = hreq.WithContext(ctx)
	span.inject(ctx, hreq.Header)
	resp, err := c.client.Do(hreq)
	if err != nil {
		return nil, failure(ctx, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp, c.maxBody)
	if err != nil {
		return nil, failure(ctx, err)
	}
	header := resp.Header
	dropHopByHop(header)
	return &host.FetchResponse{Status: resp.StatusCode, Header: header, Body: body}, nil
}

// request checks req against the ABI and the allow-list and builds it.
func (c *Client) request(req *host.FetchRequest) (*http.Request, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if method == http.MethodConnect {
		return nil, fmt.Errorf("method CONNECT: %w", host.ErrInvalid)
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("not an http or https URL: %w", host.ErrInvalid)
	}
	if !c.allowed(u) {
		return nil, fmt.Errorf("no fetch entry allows %s: %w", origin(u), host.ErrDenied)
	}
	header, err := requestHeader(req.Header)
	if err != nil {
		return nil, err
	}
	var body io.Reader = http.NoBody
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body) // also lets a 307 or 308 redirect resend it
	}
	hreq, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, host.ErrInvalid)
	}
	hreq.Header = header
	return hreq, nil
}

// allowed tells whether an entry of the allow-list matches u.
func (c *Client) allowed(u *url.URL) bool {
	for _, r := range c.rules {
		if r.allows(u) {
			return true
		}
	}
	return false
}

// checkRedirect holds every redirect hop to the allow-list.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("stopped after %d redirects", MaxRedirects)
	}
	if !c.allowed(req.URL) {
		return fmt.Errorf("redirected to %s, which no fetch entry allows: %w", origin(req.URL), host.ErrDenied)
	}
	return nil
}

// origin is u's scheme, host and port, for messages (never its path or
// query, which may carry secrets).
func origin(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// readBody reads resp's body whole, or fails with host.ErrTooLarge when it
// is longer than limit.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("response body of %d bytes, over the cap of %d: %w", resp.ContentLength, limit, host.ErrTooLarge)
	}
	var buf bytes.Buffer
	// The server's Content-Length sizes the buffer, up to a point: a claim
	// is not a body.
	buf.Grow(int(min(max(resp.ContentLength, 0), maxPreallocated)))
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, min(limit, math.MaxInt64-1)+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("response body over the cap of %d bytes: %w", limit, host.ErrTooLarge)
	}
	return buf.Bytes(), nil
}
