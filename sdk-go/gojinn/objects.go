package gojinn

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// ObjectStore is an S3-compatible bucket granted to this handler
// (`objects <name>`, `objects <name> read`, with an optional `prefix <p>`
// in its Caddyfile block, docs/objects.md). Keys are 1 to 1,024 bytes of
// UTF-8 with no `.` or `..` segment between slashes. Every error wraps one
// of the package's sentinel errors: ErrDenied for a store not granted, a
// write under a read grant, or a key (or list prefix) outside the grant's
// prefix; ErrNotFound for an absent object (GetObject, HeadObject);
// ErrInvalid for a bad key or limit; ErrTooLarge for an object over the
// store's max_object; ErrTimeout, ErrUnavailable (the endpoint cannot be
// reached or is overloaded), ErrIO (any other S3 error).
type ObjectStore struct {
	name string
	abi  abi
}

// Objects opens the object store named name (the gojinn app's
// `object_store <name>`). Nothing is checked until the first call.
func Objects(name string) *ObjectStore { return &ObjectStore{name: name, abi: hostABI{}} }

// Object is an object's metadata and, from GetObject, its bytes.
type Object struct {
	// Key is the object's key.
	Key string
	// Size is the object's size in bytes.
	Size int64
	// ContentType is the type it was stored with (GetObject, HeadObject;
	// empty in a list).
	ContentType string
	// ETag is the store's entity tag, quoted as S3 gives it.
	ETag string
	// LastModified is when it was last written.
	LastModified time.Time
	// Body is the object's bytes (GetObject only).
	Body []byte
}

// ObjectPage is one page of ListObjects: objects in key order, and More
// when more follow (ask again with after = the last key).
type ObjectPage struct {
	// Objects are the page's objects, without Body or ContentType.
	Objects []Object
	// More is true when more objects follow the last one.
	More bool
}

// GetObject returns the object with its bytes, read whole.
func (s *ObjectStore) GetObject(key string) (*Object, error) {
	return s.read("get", key, s.abi.objectGet)
}

// HeadObject returns the object's metadata without its bytes.
func (s *ObjectStore) HeadObject(key string) (*Object, error) {
	return s.read("head", key, s.abi.objectHead)
}

// PutObject stores body as the object, replacing it, with contentType
// ("" stores application/octet-stream).
func (s *ObjectStore) PutObject(key string, body []byte, contentType string) error {
	req, err := s.request(objectRequest{Key: key, ContentType: contentType})
	if err != nil {
		return s.fail("put", key, err)
	}
	return s.fail("put", key, s.abi.objectPut(req, body).err())
}

// DeleteObject deletes the object; an absent object is not an error.
func (s *ObjectStore) DeleteObject(key string) error {
	req, err := s.request(objectRequest{Key: key})
	if err != nil {
		return s.fail("delete", key, err)
	}
	return s.fail("delete", key, s.abi.objectDelete(req).err())
}

// ListObjects returns one page of the objects whose keys start with
// prefix ("" for all), in key order, after the key after ("" from the
// start): at most limit objects (1 to 1,000; 0 for the host's default,
// 100). While the page's More is true, call again with after = the last
// key.
func (s *ObjectStore) ListObjects(prefix, after string, limit int) (*ObjectPage, error) {
	req, err := s.request(objectRequest{Prefix: prefix, After: after, Limit: limit})
	if err != nil {
		return nil, s.fail("list", prefix, err)
	}
	handle, _, size, st := s.abi.objectList(req)
	if st != statusOK {
		return nil, s.fail("list", prefix, st.err())
	}
	defer s.abi.fetchClose(handle)
	body, st := readSized(make([]byte, size), func(buf []byte) (uint32, status) { return s.abi.fetchBody(handle, buf) })
	if st != statusOK {
		return nil, s.fail("list", prefix, st.err())
	}
	page, err := decodeObjectPage(body)
	if err != nil {
		return nil, s.fail("list", prefix, err)
	}
	return page, nil
}

// objectRequest is the request object of the object_* functions.
type objectRequest struct {
	Store       string `json:"store"`
	Key         string `json:"key,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Prefix      string `json:"prefix,omitempty"`
	After       string `json:"after,omitempty"`
	Limit       int    `json:"limit,omitempty"`
}

// request is r for this store, as JSON. Text that is not UTF-8 is
// ErrInvalid, not a key JSON would silently change.
func (s *ObjectStore) request(r objectRequest) ([]byte, error) {
	r.Store = s.name
	for _, text := range []string{r.Key, r.ContentType, r.Prefix, r.After} {
		if !utf8.ValidString(text) {
			return nil, fmt.Errorf("text that is not UTF-8: %w", ErrInvalid)
		}
	}
	req, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrInvalid)
	}
	return req, nil
}

// read runs object_get or object_head and reads the head and the body
// under the handle, then frees it.
func (s *ObjectStore) read(op, key string, call func([]byte) (uint32, uint32, uint32, status)) (*Object, error) {
	req, err := s.request(objectRequest{Key: key})
	if err != nil {
		return nil, s.fail(op, key, err)
	}
	handle, headSize, bodySize, st := call(req)
	if st != statusOK {
		return nil, s.fail(op, key, st.err())
	}
	defer s.abi.fetchClose(handle)
	head, st := readSized(make([]byte, headSize), func(buf []byte) (uint32, status) { return s.abi.fetchHead(handle, buf) })
	if st != statusOK {
		return nil, s.fail(op, key, st.err())
	}
	obj, err := decodeObjectHead(head)
	if err != nil {
		return nil, s.fail(op, key, err)
	}
	obj.Key = key
	if op == "get" {
		if obj.Body, st = readSized(make([]byte, bodySize), func(buf []byte) (uint32, status) { return s.abi.fetchBody(handle, buf) }); st != statusOK {
			return nil, s.fail(op, key, st.err())
		}
	}
	return obj, nil
}

// fail wraps err (nil stays nil) with the operation, store and key.
func (s *ObjectStore) fail(op, key string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gojinn: objects %s %s %q: %w", op, s.name, key, err)
}
