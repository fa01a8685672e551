// Package s3test serves a real S3-compatible endpoint on 127.0.0.1 for
// the tests of every package: gofakes3 with its in-memory backend,
// behind an AWS Signature Version 4 check (gofakes3 checks none), so that
// a wrong access key or secret gets S3's own 403 errors.
package s3test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// The credentials the server accepts, and its region.
const (
	AccessKey = "GOJINNTESTACCESSKEY1"
	SecretKey = "gojinn-test-secret-key-0123456789abcdef"
	Region    = "us-east-1"
)

// Server is one S3 endpoint with one empty bucket.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:<port>.
	URL string
	// Backend holds the objects.
	Backend *s3mem.Backend
	// Requests counts the requests that reached the endpoint.
	Requests atomic.Int64
}

// Start serves an endpoint with the bucket until the test ends.
func Start(tb testing.TB, bucket string) *Server {
	tb.Helper()
	s := &Server{Backend: s3mem.New()}
	if err := s.Backend.CreateBucket(bucket); err != nil {
		tb.Fatal(err)
	}
	fake := gofakes3.New(s.Backend).Server()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Requests.Add(1)
		if code := checkSignature(r); code != "" {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>refused by the test endpoint</Message></Error>`, code)
			return
		}
		fake.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	s.URL = "http://" + ln.Addr().String()
	return s
}

// checkSignature checks the request's AWS4-HMAC-SHA256 Authorization
// header against AccessKey and SecretKey and returns the S3 error code
// of a refusal, "" for a good signature. The payload's hash is the one
// the client declared (x-amz-content-sha256), as S3 checks the header.
func checkSignature(r *http.Request) string {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	if !ok {
		return "AccessDenied"
	}
	fields := map[string]string{}
	for f := range strings.SplitSeq(auth, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(f), "="); ok {
			fields[k] = v
		}
	}
	scope := strings.Split(fields["Credential"], "/") // key/date/region/service/aws4_request
	if len(scope) != 5 {
		return "AuthorizationHeaderMalformed"
	}
	if scope[0] != AccessKey {
		return "InvalidAccessKeyId"
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	sort.Strings(signed)
	var headers strings.Builder
	for _, name := range signed {
		v := strings.Join(r.Header.Values(name), ",")
		if name == "host" {
			v = r.Host
		}
		headers.WriteString(name + ":" + strings.Join(strings.Fields(v), " ") + "\n")
	}
	canonical := strings.Join([]string{
		r.Method,
		s3utils.EncodePath(r.URL.Path),
		strings.ReplaceAll(r.URL.Query().Encode(), "+", "%20"),
		headers.String(),
		strings.Join(signed, ";"),
		r.Header.Get("X-Amz-Content-Sha256"),
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + r.Header.Get("X-Amz-Date") + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + SecretKey)
	for _, part := range scope[1:] {
		key = mac(key, part)
	}
	if !hmac.Equal([]byte(hex.EncodeToString(mac(key, toSign))), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch"
	}
	return ""
}

func mac(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
