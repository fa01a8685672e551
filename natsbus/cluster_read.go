package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// codeNoMessage is JetStream's "no message found" (errors.json).
const codeNoMessage = 10037

// readAttempt bounds one attempt of a leader read; a healthy leader
// answers in a millisecond.
const readAttempt = 2 * time.Second

// read returns the key's latest value and revision, or
// jetstream.ErrKeyNotFound. With one replica it is the bucket's own Get
// (a direct get, answered by the only copy). With more, a direct get may
// be answered by a follower that has not yet applied the last writes:
// read asks the stream's leader instead (the JetStream API's message
// get), so that a write acknowledged on any node is seen by every read
// that starts after it.
func (k *KV) read(ctx context.Context, b jetstream.KeyValue, enc string) ([]byte, uint64, error) {
	if k.bus.shared.replicas <= 1 {
		e, err := b.Get(ctx, enc)
		if err != nil {
			return nil, 0, err
		}
		return e.Value(), e.Revision(), nil
	}
	return leaderRead(ctx, k.bus.shared, b.Bucket(), enc)
}

// leaderRead reads the key enc of bucket from the bucket's stream leader
// (JetStream's message get API), or jetstream.ErrKeyNotFound.
func leaderRead(ctx context.Context, s *shared, bucket, enc string) ([]byte, uint64, error) {
	req, _ := json.Marshal(map[string]string{"last_by_subj": "$KV." + bucket + "." + enc})
	msg, err := failover(ctx, s, func() (*nats.Msg, error) {
		// A stream without a leader may leave the request unanswered:
		// an attempt that waited readAttempt is one more to retry.
		attempt, cancel := context.WithTimeout(ctx, readAttempt)
		defer cancel()
		msg, err := s.nc.RequestWithContext(attempt, jetstream.DefaultAPIPrefix+"STREAM.MSG.GET.KV_"+bucket, req)
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = nats.ErrNoResponders
		}
		return msg, err
	})
	if err != nil {
		return nil, 0, err
	}
	var resp struct {
		Message *struct {
			Seq     uint64 `json:"seq"`
			Headers []byte `json:"hdrs"`
			Data    []byte `json:"data"`
		} `json:"message"`
		Error *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return nil, 0, fmt.Errorf("natsbus: a leader read's answer: %w", err)
	}
	switch {
	case resp.Error != nil && resp.Error.ErrorCode == codeNoMessage:
		return nil, 0, jetstream.ErrKeyNotFound
	case resp.Error != nil:
		return nil, 0, resp.Error
	case resp.Message == nil:
		return nil, 0, jetstream.ErrInvalidJetStreamResponse
	}
	if len(resp.Message.Headers) > 0 {
		h, err := nats.DecodeHeadersMsg(resp.Message.Headers)
		if err != nil {
			return nil, 0, fmt.Errorf("natsbus: a leader read's headers: %w", err)
		}
		// A deletion, a purge or an expired key's marker: absent.
		if h.Get("KV-Operation") != "" || h.Get(jetstream.MarkerReasonHeader) != "" {
			return nil, 0, jetstream.ErrKeyNotFound
		}
	}
	return resp.Message.Data, resp.Message.Seq, nil
}

// revisionConflict tells whether a create or compare-and-swap write
// failed because the key's revision is another: JetStream reports it as
// error 10071 on one replica and 10164 on more (nats.go maps the latter
// to ErrKeyRevisionMismatch only).
func revisionConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}
