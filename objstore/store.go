// Package objstore is the object storage backend of the host ABI
// (docs/objects.md): a host.ObjectStore on one bucket of an
// S3-compatible endpoint (AWS S3, MinIO, Cloudflare R2, Garage...),
// through minio-go.
//
// What it guarantees:
//   - New checks the configuration only: it contacts nothing, so that a
//     config loads (and a reload succeeds) while the endpoint is down;
//     a wrong key or a missing bucket shows on the first call.
//   - Every call is one request (no retries: the guest decides), bounded
//     by the store's timeout and by the caller's context.
//   - A get reads at most max_object + 1 bytes; a put over max_object is
//     refused before anything is sent.
//   - Failures map to the ABI's errors (host.Err*); each failure that is
//     not the guest's (not a missing object, not a stop) is logged once
//     with the S3 error code and the store's name, never the secret key.
package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
)

// Defaults of an object_store block (docs/objects.md).
const (
	DefaultMaxObject = 10 << 20 // 10 MiB
	DefaultTimeout   = 30 * time.Second
	DefaultRegion    = "us-east-1"
)

// Config is one object_store block, its placeholders resolved.
type Config struct {
	// Name is the store's name in the config, for log lines.
	Name string
	// Endpoint is the S3 API's URL: http or https, a host and an
	// optional port, no path.
	Endpoint string
	// Region signs the requests; empty: DefaultRegion.
	Region string
	// Bucket is the bucket every key is in.
	Bucket string
	// AccessKey and SecretKey sign the requests; both empty: anonymous.
	AccessKey, SecretKey string
	// PathStyle puts the bucket in the path (http://host/bucket/key);
	// otherwise minio-go decides: in the host name for AWS S3, Google and
	// Aliyun endpoints, in the path for any other.
	PathStyle bool
	// MaxObject caps an object got or put, in bytes; 0: DefaultMaxObject.
	MaxObject int64
	// Timeout bounds each call; 0: DefaultTimeout.
	Timeout time.Duration
	// Logger gets the failures' log lines; nil: none.
	Logger *zap.Logger
}

// Store is one bucket of an S3-compatible endpoint: a host.ObjectStore.
// It is safe for concurrent use.
type Store struct {
	name, bucket, secret string
	maxObject            int64
	timeout              time.Duration
	client               *minio.Client
	transport            *http.Transport
	logger               *zap.Logger
}

// New checks cfg and makes the store's client; it contacts nothing.
func New(cfg Config) (*Store, error) {
	u, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("bucket %q: %w", cfg.Bucket, err)
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("access_key and secret_key go together (neither: anonymous requests)")
	}
	if cfg.MaxObject < 0 || cfg.Timeout < 0 {
		return nil, errors.New("max_object and timeout may not be negative")
	}
	s := &Store{
		name: cfg.Name, bucket: cfg.Bucket, secret: cfg.SecretKey,
		maxObject: cfg.MaxObject, timeout: cfg.Timeout, logger: cfg.Logger,
		transport: http.DefaultTransport.(*http.Transport).Clone(),
	}
	if s.maxObject == 0 {
		s.maxObject = DefaultMaxObject
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.logger == nil {
		s.logger = zap.NewNop()
	}
	region := cfg.Region
	if region == "" {
		region = DefaultRegion
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	s.client, err = minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Transport:    s.transport,
		Region:       region,
		BucketLookup: lookup,
		MaxRetries:   1, // one request per call: the run's deadline is the guest's to spend
	})
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", cfg.Endpoint, err)
	}
	return s, nil
}

// CheckEndpoint checks an endpoint's URL: http or https, a host and an
// optional port, no path, query or user.
func CheckEndpoint(endpoint string) error {
	_, err := parseEndpoint(endpoint)
	return err
}

func parseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("endpoint %q is not an http or https URL with a host and no path", endpoint)
	}
	return u, nil
}

// Close closes the idle connections to the endpoint; calls in flight
// finish, and a later call opens a new one.
func (s *Store) Close() { s.transport.CloseIdleConnections() }

// Get returns the object's head and bytes; ErrTooLarge over max_object,
// read no further than max_object + 1 bytes.
func (s *Store) Get(ctx context.Context, key string) (host.ObjectInfo, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return host.ObjectInfo{}, nil, s.fail(ctx, "get", err)
	}
	defer obj.Close()
	// Read before Stat: the first read is the GET, whose error has a body
	// with the S3 code; a first Stat would be a HEAD, whose has none.
	body, err := io.ReadAll(io.LimitReader(obj, s.maxObject+1))
	if err != nil {
		return host.ObjectInfo{}, nil, s.fail(ctx, "get", err)
	}
	if int64(len(body)) > s.maxObject {
		return host.ObjectInfo{}, nil, fmt.Errorf("object over max_object %d: %w", s.maxObject, host.ErrTooLarge)
	}
	st, err := obj.Stat() // the GET's head; its Size is what is left to read
	if err != nil {
		return host.ObjectInfo{}, nil, s.fail(ctx, "get", err)
	}
	st.Size = int64(len(body))
	return info(st), body, nil
}

// Head returns the object's head.
func (s *Store) Head(ctx context.Context, key string) (host.ObjectInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return host.ObjectInfo{}, s.fail(ctx, "head", err)
	}
	return info(st), nil
}

// Put stores body as the object; ErrTooLarge over max_object, before
// anything is sent.
func (s *Store) Put(ctx context.Context, key string, body []byte, contentType string) error {
	if int64(len(body)) > s.maxObject {
		return fmt.Errorf("object of %d bytes over max_object %d: %w", len(body), s.maxObject, host.ErrTooLarge)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// Over http, minio-go signs the payload in aws-chunked streaming
	// form, which for 0 bytes goes without a Content-Length (S3 and
	// gofakes3 refuse it: MissingContentLength); an empty payload has
	// nothing to sign.
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: contentType, DisableContentSha256: len(body) == 0})
	if err != nil {
		return s.fail(ctx, "put", err)
	}
	return nil
}

// Delete removes the object; absent is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if err := s.fail(ctx, "delete", err); !errors.Is(err, host.ErrNotFound) {
			return err
		}
	}
	return nil
}

// List returns up to limit objects under prefix after the key after, in
// key order. It asks for limit + 1 keys: the last one only tells that
// more follow.
func (s *Store) List(ctx context.Context, prefix, after string, limit int) (*host.ObjectPage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	owner := false
	page := &host.ObjectPage{Objects: []host.ObjectInfo{}}
	for o := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
		Prefix: prefix, StartAfter: after, MaxKeys: limit + 1, Recursive: true, FetchOwner: &owner,
	}) {
		if o.Err != nil {
			return nil, s.fail(ctx, "list", o.Err)
		}
		if len(page.Objects) == limit {
			page.More = true
			break
		}
		page.Objects = append(page.Objects, info(o))
	}
	return page, nil
}

// info is what the ABI tells of an object; minio-go strips the ETag's
// quotes, which S3 sends and the ABI keeps.
func info(o minio.ObjectInfo) host.ObjectInfo {
	etag := o.ETag
	if etag != "" {
		etag = `"` + etag + `"`
	}
	return host.ObjectInfo{Key: o.Key, Size: o.Size, ContentType: o.ContentType, ETag: etag, LastModified: o.LastModified}
}

// Interface guard.
var _ host.ObjectStore = (*Store)(nil)
