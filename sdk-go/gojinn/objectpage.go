package gojinn

import (
	"encoding/json"
	"fmt"
	"time"
)

// wireObject is an object's head (object_get, object_head) or an entry
// of a page (object_list), as the host writes it (docs/host-abi.md).
type wireObject struct {
	Key          string `json:"key"`
	Size         int64  `json:"size"`
	ContentType  string `json:"content_type"`
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
}

func (w wireObject) object() (Object, error) {
	obj := Object{Key: w.Key, Size: w.Size, ContentType: w.ContentType, ETag: w.ETag}
	if w.LastModified != "" {
		t, err := time.Parse(time.RFC3339Nano, w.LastModified)
		if err != nil {
			return Object{}, fmt.Errorf("last_modified %q: %w", w.LastModified, ErrIO)
		}
		obj.LastModified = t
	}
	return obj, nil
}

// decodeObjectHead reads a head; one that does not parse is ErrIO.
func decodeObjectHead(head []byte) (*Object, error) {
	var w wireObject
	if err := json.Unmarshal(head, &w); err != nil {
		return nil, fmt.Errorf("malformed head: %v: %w", err, ErrIO)
	}
	obj, err := w.object()
	return &obj, err
}

// decodeObjectPage reads a page of object_list. One that does not parse
// is ErrIO, as is a page saying more objects follow after none (asking
// again would loop forever).
func decodeObjectPage(body []byte) (*ObjectPage, error) {
	var w struct {
		Objects []wireObject `json:"objects"`
		More    bool         `json:"more"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("malformed page: %v: %w", err, ErrIO)
	}
	if w.More && len(w.Objects) == 0 {
		return nil, fmt.Errorf("malformed page (more after no objects): %w", ErrIO)
	}
	page := &ObjectPage{Objects: make([]Object, len(w.Objects)), More: w.More}
	for i, o := range w.Objects {
		obj, err := o.object()
		if err != nil {
			return nil, err
		}
		if obj.Key == "" {
			return nil, fmt.Errorf("malformed page (object %d has no key): %w", i, ErrIO)
		}
		page.Objects[i] = obj
	}
	return page, nil
}
