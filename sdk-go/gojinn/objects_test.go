package gojinn

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

// GetObject sends the store and key, reads the head and the whole body
// (far larger than a first buffer), and frees the handle; HeadObject reads
// the head only.
func TestGetObject(t *testing.T) {
	f := newFakeABI()
	f.head = []byte(`{"size":70000,"content_type":"image/png","etag":"\"abc\"","last_modified":"2026-12-03T17:00:00Z"}`)
	f.body = bytes.Repeat([]byte{0, 0xff}, 35000)
	s := &ObjectStore{name: "media", abi: f}
	obj, err := s.GetObject("u/1/a.png")
	if err != nil {
		t.Fatal(err)
	}
	want := &Object{Key: "u/1/a.png", Size: 70000, ContentType: "image/png", ETag: `"abc"`, LastModified: time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), Body: f.body}
	if !reflect.DeepEqual(obj, want) {
		t.Errorf("got %+v, want %+v", obj, want)
	}
	if string(f.objReq) != `{"store":"media","key":"u/1/a.png"}` {
		t.Errorf("request %s", f.objReq)
	}
	if !slices.Equal(f.calls, []string{"object_get", "fetch_head", "fetch_body"}) || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("calls %v, closed %v", f.calls, f.closed)
	}

	f.calls, f.closed = nil, nil
	obj, err = s.HeadObject("u/1/a.png")
	want.Body = nil
	if err != nil || !reflect.DeepEqual(obj, want) {
		t.Errorf("head: %+v, %v; want %+v", obj, err, want)
	}
	if !slices.Equal(f.calls, []string{"object_head", "fetch_head"}) || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("head: calls %v, closed %v", f.calls, f.closed)
	}
}

// PutObject sends the content type only when one is given, and the bytes
// apart; DeleteObject sends the key.
func TestPutAndDeleteObject(t *testing.T) {
	f := newFakeABI()
	s := &ObjectStore{name: "media", abi: f}
	if err := s.PutObject("a.txt", []byte("hi"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if string(f.objReq) != `{"store":"media","key":"a.txt","content_type":"text/plain"}` || string(f.objSent) != "hi" {
		t.Errorf("put: request %s, body %q", f.objReq, f.objSent)
	}
	if err := s.PutObject("b", nil, ""); err != nil || string(f.objReq) != `{"store":"media","key":"b"}` {
		t.Errorf("put without a type: %v, request %s", err, f.objReq)
	}
	if err := s.DeleteObject("a.txt"); err != nil || string(f.objReq) != `{"store":"media","key":"a.txt"}` {
		t.Errorf("delete: %v, request %s", err, f.objReq)
	}
}

// ListObjects sends only what is set and reads the page in order, with
// More.
func TestListObjects(t *testing.T) {
	f := newFakeABI()
	f.body = []byte(`{"objects":[{"key":"u/1/a","size":3,"etag":"\"e1\"","last_modified":"2026-12-03T17:00:00.5Z"},{"key":"u/1/b","size":0,"etag":"\"e2\"","last_modified":"2026-12-03T18:00:00+01:00"}],"more":true}`)
	s := &ObjectStore{name: "media", abi: f}
	page, err := s.ListObjects("u/1/", "u/1/0", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := &ObjectPage{More: true, Objects: []Object{
		{Key: "u/1/a", Size: 3, ETag: `"e1"`, LastModified: time.Date(2026, 12, 3, 17, 0, 0, 5e8, time.UTC)},
		{Key: "u/1/b", Size: 0, ETag: `"e2"`, LastModified: time.Date(2026, 12, 3, 18, 0, 0, 0, time.FixedZone("", 3600))},
	}}
	if !reflect.DeepEqual(page, want) {
		t.Errorf("got %+v, want %+v", page, want)
	}
	if string(f.objReq) != `{"store":"media","prefix":"u/1/","after":"u/1/0","limit":2}` || !slices.Equal(f.closed, []uint32{7}) {
		t.Errorf("request %s, closed %v", f.objReq, f.closed)
	}
	f.body = []byte(`{"objects":[],"more":false}`)
	if page, err := s.ListObjects("", "", 0); err != nil || len(page.Objects) != 0 || page.More || string(f.objReq) != `{"store":"media"}` {
		t.Errorf("empty page: %+v, %v, request %s", page, err, f.objReq)
	}
}

// Every call's failure is its status's error with the operation, store and
// key; text that is not UTF-8 fails before any call.
func TestObjectErrors(t *testing.T) {
	for _, st := range []status{statusNotFound, statusDenied, statusInvalid, statusTooLarge, statusTimeout, statusUnavailable, statusIOError} {
		f := newFakeABI()
		f.objStatus = st
		s := &ObjectStore{name: "media", abi: f}
		_, errGet := s.GetObject("k")
		_, errHead := s.HeadObject("k")
		_, errList := s.ListObjects("k", "", 0)
		for op, err := range map[string]error{"get": errGet, "head": errHead, "put": s.PutObject("k", nil, ""), "delete": s.DeleteObject("k"), "list": errList} {
			if want := "gojinn: objects " + op + ` media "k": ` + st.err().Error(); !errors.Is(err, st.err()) || err.Error() != want {
				t.Errorf("status %d %s: %v, want %q", st, op, err, want)
			}
		}
		if len(f.closed) != 0 {
			t.Errorf("status %d: closed %v, nothing to free", st, f.closed)
		}
	}
	f := newFakeABI()
	s := &ObjectStore{name: "media", abi: f}
	if _, err := s.GetObject("caf\xe9"); !errors.Is(err, ErrInvalid) {
		t.Errorf("key not UTF-8: %v", err)
	}
	if err := s.PutObject("k", nil, "text/\xff"); !errors.Is(err, ErrInvalid) {
		t.Errorf("content type not UTF-8: %v", err)
	}
	if _, err := s.ListObjects("", "\xff", 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("after not UTF-8: %v", err)
	}
	if len(f.calls) != 0 {
		t.Errorf("calls %v, want none", f.calls)
	}
}

// A head or page that does not parse is ErrIO, never a partial result or
// an endless listing, and the handle is still freed.
func TestObjectMalformed(t *testing.T) {
	for _, head := range []string{``, `[]`, `{"size":"1"}`, `{"last_modified":"yesterday"}`} {
		f := newFakeABI()
		f.head = []byte(head)
		if obj, err := (&ObjectStore{name: "m", abi: f}).HeadObject("k"); !errors.Is(err, ErrIO) || obj != nil || len(f.closed) != 1 {
			t.Errorf("head %s: %+v, %v, closed %v; want ErrIO", head, obj, err, f.closed)
		}
	}
	for _, body := range []string{``, `{"objects":{}}`, `{"objects":[],"more":true}`, `{"objects":[{"size":1}]}`, `{"objects":[{"key":"a","last_modified":"x"}]}`} {
		f := newFakeABI()
		f.body = []byte(body)
		if page, err := (&ObjectStore{name: "m", abi: f}).ListObjects("", "", 0); !errors.Is(err, ErrIO) || page != nil || len(f.closed) != 1 {
			t.Errorf("page %s: %+v, %v, closed %v; want ErrIO", body, page, err, f.closed)
		}
	}
}
