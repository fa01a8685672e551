package gojinn

import (
	"fmt"
	"math"
	"time"
)

// The first buffer a read offers the host: most values and pages fit it; a
// larger one is read again with the size the host reports.
const (
	firstValueBuffer = 1024
	firstPageBuffer  = 4096
)

// Store is a key-value store granted to this handler (`kv <name>` in its
// Caddyfile block, docs/kv.md). Keys are UTF-8 strings of 1 to 1,024
// bytes; values are bytes up to the host's kv_max_value (1 MiB by
// default). Every value has a revision that grows with every write to the
// store. Every error wraps one of the package's sentinel errors: a store
// not granted is ErrDenied, as is a write to a store granted read-only.
type Store struct {
	name string
	abi  abi
}

// KV opens the store named name. Nothing is checked until the first call.
func KV(name string) *Store { return &Store{name: name, abi: hostABI{}} }

// Get returns the key's value; ErrNotFound when the key is absent.
func (s *Store) Get(key string) ([]byte, error) {
	value, _, err := s.GetRevision(key)
	return value, err
}

// GetRevision returns the key's value and its revision, which Update
// compares; ErrNotFound when the key is absent.
func (s *Store) GetRevision(key string) ([]byte, uint64, error) {
	var rev uint64
	value, st := readSized(make([]byte, firstValueBuffer), func(buf []byte) (uint32, status) {
		size, r, st := s.abi.kvGet(s.name, key, buf)
		rev = r
		return size, st
	})
	if st != statusOK {
		return nil, 0, s.fail("get", key, st.err())
	}
	return value, rev, nil
}

// Set writes the key. With ttl > 0 the key expires after it (rounded up to
// whole seconds); 0 keeps it until it is deleted.
func (s *Store) Set(key string, value []byte, ttl time.Duration) error {
	seconds, err := ttlSeconds(ttl)
	if err != nil {
		return s.fail("set", key, err)
	}
	_, st := s.abi.kvSet(s.name, key, value, seconds)
	return s.fail("set", key, st.err())
}

// Create writes the key only if it is absent (ErrExists otherwise), with
// Set's ttl, and returns the value's revision.
func (s *Store) Create(key string, value []byte, ttl time.Duration) (uint64, error) {
	seconds, err := ttlSeconds(ttl)
	if err != nil {
		return 0, s.fail("create", key, err)
	}
	rev, st := s.abi.kvCreate(s.name, key, value, seconds)
	return rev, s.fail("create", key, st.err())
}

// Update writes the key only if its revision is still rev, as read by
// GetRevision or returned by Create or Update (compare-and-swap), and
// returns the new revision. Another revision is ErrConflict; an absent key
// ErrNotFound. The new value has no TTL.
func (s *Store) Update(key string, value []byte, rev uint64) (uint64, error) {
	if rev > math.MaxInt64 {
		return 0, s.fail("update", key, fmt.Errorf("revision %d: %w", rev, ErrInvalid))
	}
	newRev, st := s.abi.kvUpdate(s.name, key, value, int64(rev))
	return newRev, s.fail("update", key, st.err())
}

// Delete removes the key; an absent key is not an error.
func (s *Store) Delete(key string) error {
	return s.fail("delete", key, s.abi.kvDelete(s.name, key).err())
}

// Increment adds by (which may be negative) to the key's value atomically
// and returns the new value. The value is stored as decimal ASCII without
// a TTL, so Get reads it as text; an absent key counts as 0. A value that is not a
// decimal integer, or a sum that would overflow, is ErrInvalid.
func (s *Store) Increment(key string, by int64) (int64, error) {
	value, st := s.abi.kvIncrement(s.name, key, by)
	return value, s.fail("increment", key, st.err())
}

// Keys returns every key that starts with prefix ("" for all), in byte
// order. It reads them a page at a time (at most 1,000 keys per host
// call), so a large store costs many calls and the memory of all its keys.
func (s *Store) Keys(prefix string) ([]string, error) {
	var keys []string
	buf := make([]byte, firstPageBuffer)
	after := ""
	for {
		page, st := readSized(buf, func(buf []byte) (uint32, status) {
			return s.abi.kvKeys(s.name, prefix, after, buf)
		})
		if st != statusOK {
			return nil, s.fail("keys", prefix, st.err())
		}
		buf = page[:cap(page)]
		got, more, err := decodeKeyPage(page)
		if err != nil {
			return nil, s.fail("keys", prefix, err)
		}
		keys = append(keys, got...)
		if !more {
			return keys, nil
		}
		after = keys[len(keys)-1]
	}
}

// fail wraps err (nil stays nil) with the operation, store and key.
func (s *Store) fail(op, key string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gojinn: kv %s %s %q: %w", op, s.name, key, err)
}

// ttlSeconds is ttl in the ABI's whole seconds, rounded up so that a short
// TTL still expires.
func ttlSeconds(ttl time.Duration) (int32, error) {
	if ttl < 0 || ttl > math.MaxInt32*time.Second {
		return 0, fmt.Errorf("ttl %v out of range: %w", ttl, ErrInvalid)
	}
	return int32((ttl + time.Second - 1) / time.Second), nil
}
