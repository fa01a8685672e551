package host_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gojinn/gojinn/host"
)

// loadedAt is the last change of every object a vector loads.
var loadedAt = time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)

// memoryBucket is a host.ObjectStore in memory, for the vectors: an S3
// bucket's rules (ETag the quoted MD5 of the bytes, keys in byte order),
// max_object both ways, or every call failing with fail.
type memoryBucket struct {
	mu        sync.Mutex
	objects   map[string]memoryObject
	maxObject int
	fail      error
}

type memoryObject struct {
	body        []byte
	contentType string
	modified    time.Time
}

// objectSpec is an object in a vector: its bytes and content type.
type objectSpec struct {
	Body        byteSpec `json:"body"`
	ContentType string   `json:"content_type"`
}

func newMemoryBucket(maxObject int, contents map[string]objectSpec) *memoryBucket {
	if maxObject == 0 {
		maxObject = 10 << 20
	}
	b := &memoryBucket{objects: map[string]memoryObject{}, maxObject: maxObject}
	for key, o := range contents {
		b.objects[key] = memoryObject{o.Body, o.ContentType, loadedAt}
	}
	return b
}

// contents is the bucket's objects, as a vector writes them.
func (b *memoryBucket) contents() map[string]objectSpec {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]objectSpec{}
	for key, o := range b.objects {
		out[key] = objectSpec{o.body, o.contentType}
	}
	return out
}

func (b *memoryBucket) info(key string, o memoryObject) host.ObjectInfo {
	sum := md5.Sum(o.body)
	return host.ObjectInfo{Key: key, Size: int64(len(o.body)), ContentType: o.contentType, ETag: `"` + hex.EncodeToString(sum[:]) + `"`, LastModified: o.modified}
}

func (b *memoryBucket) Get(_ context.Context, key string) (host.ObjectInfo, []byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[key]
	switch {
	case b.fail != nil:
		return host.ObjectInfo{}, nil, b.fail
	case !ok:
		return host.ObjectInfo{}, nil, host.ErrNotFound
	case len(o.body) > b.maxObject:
		return host.ObjectInfo{}, nil, host.ErrTooLarge
	}
	return b.info(key, o), o.body, nil
}

func (b *memoryBucket) Head(ctx context.Context, key string) (host.ObjectInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	o, ok := b.objects[key]
	switch {
	case b.fail != nil:
		return host.ObjectInfo{}, b.fail
	case !ok:
		return host.ObjectInfo{}, host.ErrNotFound
	}
	return b.info(key, o), nil
}

func (b *memoryBucket) Put(_ context.Context, key string, body []byte, contentType string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.fail != nil:
		return b.fail
	case len(body) > b.maxObject:
		return host.ErrTooLarge
	}
	b.objects[key] = memoryObject{body, contentType, time.Now()}
	return nil
}

func (b *memoryBucket) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return b.fail
	}
	delete(b.objects, key)
	return nil
}

func (b *memoryBucket) List(_ context.Context, prefix, after string, limit int) (*host.ObjectPage, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return nil, b.fail
	}
	page := &host.ObjectPage{Objects: []host.ObjectInfo{}}
	for _, key := range slices.Sorted(maps.Keys(b.objects)) {
		if !strings.HasPrefix(key, prefix) || key <= after {
			continue
		}
		if len(page.Objects) == limit {
			page.More = true
			break
		}
		page.Objects = append(page.Objects, b.info(key, b.objects[key]))
	}
	return page, nil
}

// backendErrors are the errors a vector's failing store returns, by the
// status they map to.
var backendErrors = map[string]error{
	"unavailable": host.ErrUnavailable,
	"timeout":     host.ErrTimeout,
	"io_error":    errors.New("AccessDenied"),
}

// objectBuckets makes v's object stores, with their contents, and
// grants them as v says.
func objectBuckets(v *vector, grants *host.Grants) map[string]*memoryBucket {
	buckets := map[string]*memoryBucket{}
	bucket := func(name string) *memoryBucket {
		if buckets[name] == nil {
			buckets[name] = newMemoryBucket(v.MaxObject, v.Objects[name])
			buckets[name].fail = backendErrors[v.ObjectErrors[name]]
		}
		return buckets[name]
	}
	for name := range v.Objects {
		bucket(name)
	}
	grants.Objects = map[string]host.ObjectGrant{}
	for name, g := range v.Grants.Objects {
		access := map[string]host.Access{"read": host.Read, "read-write": host.ReadWrite}[g.Access]
		grants.Objects[name] = host.ObjectGrant{Store: bucket(name), Access: access, Prefix: g.Prefix}
	}
	return buckets
}

// checkObjects compares the non-empty stores' contents with want.
func checkObjects(t *testing.T, buckets map[string]*memoryBucket, want map[string]map[string]objectSpec) {
	t.Helper()
	flat := func(stores map[string]map[string]objectSpec) map[string]string {
		out := map[string]string{}
		for name, objects := range stores {
			for key, o := range objects {
				out[name+"/"+key] = o.ContentType + " " + string(o.Body)
			}
		}
		return out
	}
	got := map[string]map[string]objectSpec{}
	for name, b := range buckets {
		got[name] = b.contents()
	}
	if g, w := flat(got), flat(want); !maps.Equal(g, w) {
		t.Errorf("object stores after: %q, want %q", g, w)
	}
}
