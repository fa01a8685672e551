package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf8"
)

// The kv_* functions. Each checks, in this order (contract/README.md):
// every range in bounds (invalid), the store's name (invalid, too_large),
// its grant (denied), a backend (unavailable), the key (invalid,
// too_large), the value and TTL (too_large, invalid); then calls the
// backend.

// kvGet is kv_get(store, key, buf_ptr, buf_cap, len_out, rev_out).
func kvGet(ctx context.Context, r *Run, g *guest) Status {
	storeB, keyB := g.bytes(0), g.bytes(2)
	buf, bufCap := g.u32(4), g.u32(5)
	g.view(buf, bufCap)
	lenOut, revOut := g.out(6, 4), g.out(7, 8)
	store, key, st := r.target(g, "kv_get", storeB, keyB, false)
	if st != StatusOK {
		return st
	}
	v, rev, err := r.KV.Get(ctx, store, key)
	if err != nil {
		return StatusOf(err)
	}
	if st := g.result(v, buf, bufCap, lenOut); st != StatusOK {
		return st
	}
	g.mem.WriteUint64Le(revOut, rev)
	return StatusOK
}

// kvSet is kv_set(store, key, val_ptr, val_len, ttl_seconds, rev_out).
func kvSet(ctx context.Context, r *Run, g *guest) Status {
	return kvWrite(ctx, r, g, "kv_set", r.kvSet)
}

// kvCreate is kv_create(store, key, val_ptr, val_len, ttl_seconds, rev_out).
func kvCreate(ctx context.Context, r *Run, g *guest) Status {
	return kvWrite(ctx, r, g, "kv_create", r.kvCreate)
}

func (r *Run) kvSet(ctx context.Context, store, key string, v []byte, ttl time.Duration) (uint64, error) {
	return r.KV.Set(ctx, store, key, v, ttl)
}

func (r *Run) kvCreate(ctx context.Context, store, key string, v []byte, ttl time.Duration) (uint64, error) {
	return r.KV.Create(ctx, store, key, v, ttl)
}

// kvWrite is kv_set and kv_create, which differ only in the backend call.
func kvWrite(ctx context.Context, r *Run, g *guest, function string,
	write func(ctx context.Context, store, key string, v []byte, ttl time.Duration) (uint64, error),
) Status {
	storeB, keyB, valB := g.bytes(0), g.bytes(2), g.bytes(4)
	ttl := int32(g.u32(6))
	revOut := g.out(7, 8)
	store, key, st := r.target(g, function, storeB, keyB, true)
	if st != StatusOK {
		return st
	}
	if len(valB) > r.maxValue() {
		return StatusTooLarge
	}
	if ttl < 0 {
		return StatusInvalid
	}
	rev, err := write(ctx, store, key, bytes.Clone(valB), time.Duration(ttl)*time.Second)
	if err != nil {
		return StatusOf(err)
	}
	g.mem.WriteUint64Le(revOut, rev)
	return StatusOK
}

// kvUpdate is kv_update(store, key, val_ptr, val_len, expected_rev, rev_out).
func kvUpdate(ctx context.Context, r *Run, g *guest) Status {
	storeB, keyB, valB := g.bytes(0), g.bytes(2), g.bytes(4)
	expected := g.stack[6]
	revOut := g.out(7, 8)
	store, key, st := r.target(g, "kv_update", storeB, keyB, true)
	if st != StatusOK {
		return st
	}
	if len(valB) > r.maxValue() {
		return StatusTooLarge
	}
	rev, err := r.KV.Update(ctx, store, key, bytes.Clone(valB), expected)
	if err != nil {
		return StatusOf(err)
	}
	g.mem.WriteUint64Le(revOut, rev)
	return StatusOK
}

// kvDelete is kv_delete(store, key).
func kvDelete(ctx context.Context, r *Run, g *guest) Status {
	store, key, st := r.target(g, "kv_delete", g.bytes(0), g.bytes(2), true)
	if st != StatusOK {
		return st
	}
	return StatusOf(r.KV.Delete(ctx, store, key))
}

// kvIncrement is kv_increment(store, key, by, value_out).
func kvIncrement(ctx context.Context, r *Run, g *guest) Status {
	storeB, keyB := g.bytes(0), g.bytes(2)
	by := int64(g.stack[4])
	valueOut := g.out(5, 8)
	store, key, st := r.target(g, "kv_increment", storeB, keyB, true)
	if st != StatusOK {
		return st
	}
	v, err := r.KV.Increment(ctx, store, key, by)
	if err != nil {
		return StatusOf(err)
	}
	g.mem.WriteUint64Le(valueOut, uint64(v))
	return StatusOK
}

// kvKeys is kv_keys(store, prefix_ptr, prefix_len, after_ptr, after_len,
// buf_ptr, buf_cap, len_out): one page (EncodePage).
func kvKeys(ctx context.Context, r *Run, g *guest) Status {
	storeB, prefixB, afterB := g.bytes(0), g.bytes(2), g.bytes(4)
	buf, bufCap := g.u32(6), g.u32(7)
	g.view(buf, bufCap)
	lenOut := g.out(8, 4)
	if st := r.storeOf(g, "kv_keys", storeB, false); st != StatusOK {
		return st
	}
	if st := checkPrefix(prefixB); st != StatusOK {
		return st
	}
	if len(afterB) > 0 {
		if st := checkKey(afterB); st != StatusOK {
			return st
		}
	}
	keys, more, err := r.KV.Keys(ctx, string(storeB), string(prefixB), string(afterB), MaxPageKeys)
	if err != nil {
		return StatusOf(err)
	}
	return g.result(EncodePage(keys, more), buf, bufCap, lenOut)
}

// EncodePage is a kv_keys page (docs/host-abi.md): u32 count, per key a
// u32 length and its bytes, u32 more (1 when keys follow). It holds the
// first keys that fit MaxPageKeys and MaxPageBytes of key bytes; more is
// set when any was left out.
func EncodePage(keys []string, more bool) []byte {
	n, size := 0, 0
	for _, k := range keys {
		if n == MaxPageKeys || size+len(k) > MaxPageBytes {
			more = true
			break
		}
		n++
		size += len(k)
	}
	page := make([]byte, 0, 8+4*n+size)
	page = binary.LittleEndian.AppendUint32(page, uint32(n))
	for _, k := range keys[:n] {
		page = binary.LittleEndian.AppendUint32(page, uint32(len(k)))
		page = append(page, k...)
	}
	var flag uint32
	if more {
		flag = 1
	}
	return binary.LittleEndian.AppendUint32(page, flag)
}

// target checks a kv call's ranges, store, grant (write: read-write
// needed), backend and key: it returns the store and key as strings, or
// the call's failing status.
func (r *Run) target(g *guest, function string, storeB, keyB []byte, write bool) (store, key string, st Status) {
	if st := r.storeOf(g, function, storeB, write); st != StatusOK {
		return "", "", st
	}
	if st := checkKey(keyB); st != StatusOK {
		return "", "", st
	}
	return string(storeB), string(keyB), StatusOK
}

// storeOf checks a kv call's ranges, store, grant and backend.
func (r *Run) storeOf(g *guest, function string, storeB []byte, write bool) Status {
	if !g.ok {
		return StatusInvalid
	}
	if st := checkStore(storeB); st != StatusOK {
		return st
	}
	switch r.access(storeB) {
	case 0:
		return r.deny(function, fmt.Sprintf("store %q is not granted", storeB))
	case Read:
		if write {
			return r.deny(function, fmt.Sprintf("store %q is granted read-only", storeB))
		}
	}
	if r.KV == nil {
		return StatusUnavailable
	}
	return StatusOK
}

// checkStore checks a store name: ^[A-Za-z0-9_-]{1,64}$.
func checkStore(b []byte) Status {
	if len(b) == 0 {
		return StatusInvalid
	}
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return StatusInvalid
		}
	}
	if len(b) > MaxStoreName {
		return StatusTooLarge
	}
	return StatusOK
}

// checkKey checks a key: 1 to MaxKey bytes of UTF-8.
func checkKey(b []byte) Status {
	if len(b) == 0 {
		return StatusInvalid
	}
	return checkPrefix(b)
}

// checkPrefix checks a kv_keys prefix: a key, or empty.
func checkPrefix(b []byte) Status {
	if len(b) > MaxKey {
		return StatusTooLarge
	}
	if !utf8.Valid(b) {
		return StatusInvalid
	}
	return StatusOK
}
