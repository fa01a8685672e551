package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// Limits of the object_* functions (docs/host-abi.md).
const (
	MaxObjectKey       = 1024 // bytes of a key, a list prefix or after
	MaxObjectPage      = 1000 // objects in one object_list page
	DefaultObjectPage  = 100  // object_list's limit when the request gives none
	DefaultContentType = "application/octet-stream"
)

// ObjectInfo is what a store tells of one object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ContentType  string // empty in a list page
	ETag         string // as S3 sends it, quoted: "\"9b2c...\""
	LastModified time.Time
}

// ObjectPage is one page of object_list: the objects in key order and
// whether more follow.
type ObjectPage struct {
	Objects []ObjectInfo
	More    bool
}

// ObjectStore is one S3-compatible bucket (objstore implements it). Keys
// reach it already checked and granted (docs/host-abi.md). Errors are the
// Err* of this package, wrapped or not: ErrNotFound for an absent object
// (Get, Head), ErrTooLarge for an object over the store's max_object (Get,
// Put), ErrUnavailable when the endpoint cannot be reached or answers 5xx
// or SlowDown, ErrTimeout (or ctx's error) when ctx is done: ctx is the
// run's. Any other error is the guest's io_error.
type ObjectStore interface {
	// Get returns the object's head and bytes.
	Get(ctx context.Context, key string) (ObjectInfo, []byte, error)
	// Head returns the object's head.
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Put stores body as the object, replacing it.
	Put(ctx context.Context, key string, body []byte, contentType string) error
	// Delete removes the object; absent is not an error.
	Delete(ctx context.Context, key string) error
	// List returns up to limit objects whose keys start with prefix, in
	// key order, after the key after ("" from the start).
	List(ctx context.Context, prefix, after string, limit int) (*ObjectPage, error)
}

// ObjectGrant is a handler's grant on one object store (the `objects`
// grant): the store, the access and the prefix every key must start with.
type ObjectGrant struct {
	Store  ObjectStore
	Access Access
	Prefix string
}

// ObjectRequest is a guest's object_* request, as decoded from the ABI.
type ObjectRequest struct {
	Store       string `json:"store"`
	Key         string `json:"key"`
	ContentType string `json:"content_type"`
	Prefix      string `json:"prefix"`
	After       string `json:"after"`
	// Limit is nil when the request gives none (DefaultObjectPage).
	Limit *int `json:"limit"`
}

// objectStoreName is what an object store may be called.
var objectStoreName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// DecodeObjectRequest decodes an object_* request object
// (docs/host-abi.md): UTF-8, a JSON object with a valid store name, a
// content_type that is an HTTP field value, a limit (when given) of 1 to
// MaxObjectPage. Members it does not know are ignored; null is the zero
// value. Keys are checked by CheckObjectKey, after the grant. Its error
// wraps ErrInvalid.
func DecodeObjectRequest(b []byte) (*ObjectRequest, error) {
	if !utf8.Valid(b) {
		return nil, ErrInvalid
	}
	var req ObjectRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, errors.Join(ErrInvalid, err)
	}
	switch {
	case !objectStoreName.MatchString(req.Store):
		return nil, errors.Join(ErrInvalid, errors.New("no valid store name"))
	case req.ContentType != "" && !httpguts.ValidHeaderFieldValue(req.ContentType):
		return nil, errors.Join(ErrInvalid, errors.New("content_type is not an HTTP field value"))
	case req.Limit != nil && (*req.Limit < 1 || *req.Limit > MaxObjectPage):
		return nil, errors.Join(ErrInvalid, errors.New("limit is not within 1..1000"))
	}
	return &req, nil
}

// CheckObjectKey reports whether key is a valid object key: 1 to
// MaxObjectKey bytes of UTF-8 with no segment "." or ".." between
// slashes, which a server or proxy that normalises paths would resolve
// out of a granted prefix.
func CheckObjectKey(key string) bool {
	if key == "" || len(key) > MaxObjectKey || !utf8.ValidString(key) {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// objectOp is what one object_* function checks: whether it names a key
// (else a list prefix) and whether it writes.
type objectOp struct {
	fn         string
	key, write bool
}

// objectCheck runs the checks of an object_* call after its bounds, in
// the order of docs/host-abi.md: the request (invalid), the store's
// grant (denied), the key or list prefix (invalid), a write's access
// (denied), the grant's prefix (denied).
func objectCheck(r *Run, op objectOp, reqB []byte) (*ObjectRequest, ObjectGrant, Status) {
	req, err := DecodeObjectRequest(reqB)
	if err != nil {
		return nil, ObjectGrant{}, StatusInvalid
	}
	var grant ObjectGrant
	if r.Grants != nil {
		grant = r.Grants.Objects[req.Store]
	}
	if grant.Store == nil {
		return nil, grant, r.deny(op.fn, `object store "`+req.Store+`" is not granted`)
	}
	name := req.Key
	if op.key && !CheckObjectKey(req.Key) {
		return nil, grant, StatusInvalid
	}
	if !op.key {
		name = req.Prefix
		if len(req.Prefix) > MaxObjectKey || len(req.After) > MaxObjectKey {
			return nil, grant, StatusInvalid
		}
	}
	if op.write && grant.Access != ReadWrite {
		return nil, grant, r.deny(op.fn, `object store "`+req.Store+`" is granted read only`)
	}
	if !strings.HasPrefix(name, grant.Prefix) {
		return nil, grant, r.deny(op.fn, `object store "`+req.Store+`": outside the granted prefix "`+grant.Prefix+`"`)
	}
	return req, grant, StatusOK
}

// objectGet is object_get(req_ptr, req_len, out_ptr): on ok, the
// object's head and bytes under a new handle, and at out_ptr three u32:
// the handle, the head's size, the body's size.
func objectGet(ctx context.Context, r *Run, g *guest) Status {
	return objectRead(ctx, r, g, "object_get", true)
}

// objectHead is object_head(req_ptr, req_len, out_ptr): as object_get,
// with the head only (the body's size 0).
func objectHead(ctx context.Context, r *Run, g *guest) Status {
	return objectRead(ctx, r, g, "object_head", false)
}

func objectRead(ctx context.Context, r *Run, g *guest, fn string, withBody bool) Status {
	reqB := g.bytes(0)
	out := g.out(2, 12)
	if !g.ok {
		return StatusInvalid
	}
	req, grant, st := objectCheck(r, objectOp{fn: fn, key: true}, reqB)
	if st != StatusOK {
		return st
	}
	var (
		info ObjectInfo
		body []byte
		err  error
	)
	if withBody {
		info, body, err = grant.Store.Get(ctx, req.Key)
	} else {
		info, err = grant.Store.Head(ctx, req.Key)
	}
	if err != nil {
		return StatusOf(err)
	}
	return r.keep(g, out, EncodeObjectHead(info), body)
}

// objectPut is object_put(req_ptr, req_len, body_ptr, body_len).
func objectPut(ctx context.Context, r *Run, g *guest) Status {
	reqB, bodyB := g.bytes(0), g.bytes(2)
	if !g.ok {
		return StatusInvalid
	}
	req, grant, st := objectCheck(r, objectOp{fn: "object_put", key: true, write: true}, reqB)
	if st != StatusOK {
		return st
	}
	ct := req.ContentType
	if ct == "" {
		ct = DefaultContentType
	}
	// A copy: the guest's memory is not to be read after the call.
	return StatusOf(grant.Store.Put(ctx, req.Key, bytes.Clone(bodyB), ct))
}

// objectDelete is object_delete(req_ptr, req_len).
func objectDelete(ctx context.Context, r *Run, g *guest) Status {
	reqB := g.bytes(0)
	if !g.ok {
		return StatusInvalid
	}
	req, grant, st := objectCheck(r, objectOp{fn: "object_delete", key: true, write: true}, reqB)
	if st != StatusOK {
		return st
	}
	return StatusOf(grant.Store.Delete(ctx, req.Key))
}

// objectList is object_list(req_ptr, req_len, out_ptr): on ok, one page
// (JSON) under a new handle, read with fetch_body; its head is empty.
func objectList(ctx context.Context, r *Run, g *guest) Status {
	reqB := g.bytes(0)
	out := g.out(2, 12)
	if !g.ok {
		return StatusInvalid
	}
	req, grant, st := objectCheck(r, objectOp{fn: "object_list"}, reqB)
	if st != StatusOK {
		return st
	}
	limit := DefaultObjectPage
	if req.Limit != nil {
		limit = *req.Limit
	}
	page, err := grant.Store.List(ctx, req.Prefix, req.After, limit)
	if err != nil {
		return StatusOf(err)
	}
	return r.keep(g, out, nil, EncodeObjectPage(page))
}

// keep holds head and body under a new handle, for fetch_head and
// fetch_body, and writes the handle and their sizes at out.
func (r *Run) keep(g *guest, out uint32, head, body []byte) Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses = append(r.responses, &response{head: head, body: body})
	g.mem.WriteUint32Le(out, uint32(len(r.responses)))
	g.mem.WriteUint32Le(out+4, uint32(len(head)))
	g.mem.WriteUint32Le(out+8, uint32(len(body)))
	return StatusOK
}

// objectHeadJSON is the head object of the ABI, members in this order.
type objectHeadJSON struct {
	Size         int64  `json:"size"`
	ContentType  string `json:"content_type"`
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
}

// objectEntryJSON is one object of a page.
type objectEntryJSON struct {
	Key          string `json:"key"`
	Size         int64  `json:"size"`
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
}

// timestamp is t as the ABI writes it: RFC 3339 in UTC, to the second
// (a HEAD's Last-Modified has no finer precision).
func timestamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// EncodeObjectHead encodes an object's head (docs/host-abi.md): compact
// JSON {"size","content_type","etag","last_modified"}, escaped as
// JSON.stringify does.
func EncodeObjectHead(info ObjectInfo) []byte {
	return compactJSON(objectHeadJSON{info.Size, info.ContentType, info.ETag, timestamp(info.LastModified)})
}

// EncodeObjectPage encodes a page of object_list (docs/host-abi.md):
// {"objects": [{"key","size","etag","last_modified"}...], "more": bool}.
func EncodeObjectPage(page *ObjectPage) []byte {
	objects := make([]objectEntryJSON, len(page.Objects))
	for i, o := range page.Objects {
		objects[i] = objectEntryJSON{o.Key, o.Size, o.ETag, timestamp(o.LastModified)}
	}
	return compactJSON(struct {
		Objects []objectEntryJSON `json:"objects"`
		More    bool              `json:"more"`
	}{objects, page.More})
}

func compactJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// As JSON.stringify escapes: the harness's heads are the same bytes.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // numbers, strings and bools always encode
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
