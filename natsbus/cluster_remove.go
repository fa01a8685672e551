package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// codeNotMember is JetStream's error code of a peer-remove naming no
// member of the meta group.
const codeNotMember = 10044

// removeTimeout bounds a removal: the meta leader answers once the
// removal is applied, or not at all (no leader, or not the system
// account).
const removeTimeout = 10 * time.Second

// Errors of RemoveNode besides host's.
var (
	// ErrNodeAlive: the node to remove is still connected to this one.
	ErrNodeAlive = errors.New("natsbus: the node is still connected: stop it before removing it")
	// ErrUnknownNode: JetStream's meta group has no node of that name.
	ErrUnknownNode = errors.New("natsbus: no node of that name in the cluster")
)

// systemAuth returns the option that connects to the embedded server
// in its system account ($SYS), adding on first use an nkey user of that
// account, made for this server's life, by reloading the server's
// options: JetStream's peer-remove answers the system account only. The
// user is added now, not at start, because the system account exists
// only once the server runs (declaring $SYS in the options instead would
// make nats-server let anonymous clients into the global account).
func (s *shared) systemAuth() (nats.Option, error) {
	s.sysMu.Lock()
	defer s.sysMu.Unlock()
	if s.sysAuth != nil {
		return s.sysAuth, nil
	}
	user, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("natsbus: an nkey for the system connection: %w", err)
	}
	pub, err := user.PublicKey()
	if err != nil {
		return nil, err
	}
	opts := s.opts.Clone()
	opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: pub, Account: s.srv.SystemAccount()})
	if err := s.srv.ReloadOptions(opts); err != nil {
		return nil, fmt.Errorf("natsbus: adding the system connection's user: %w", err)
	}
	s.opts, s.sysAuth = opts, nats.Nkey(pub, user.Sign)
	return s.sysAuth, nil
}

// RemoveNode removes a node for good from the cluster's JetStream (what
// `nats server raft peer-remove` does): the meta group forgets it, and
// every store with a copy on it moves that copy to a node that has none
// when there is one, or goes on with its other copies. The node must be
// stopped first: a node still connected to this one is refused
// (ErrNodeAlive), and so is this node itself.
func (b *Bus) RemoveNode(ctx context.Context, node string) error {
	s := b.shared
	if s.srv == nil || s.cluster == "" {
		return ErrNotClustered
	}
	if node == s.srv.Name() {
		return fmt.Errorf("%w: %q is this node", ErrNodeAlive, node)
	}
	if rz, err := s.srv.Routez(&server.RoutezOptions{}); err == nil {
		for _, r := range rz.Routes {
			if r.RemoteName == node {
				return fmt.Errorf("%w: %q has a route to this node", ErrNodeAlive, node)
			}
		}
	}
	auth, err := s.systemAuth()
	if err != nil {
		return err
	}
	nc, err := nats.Connect("", nats.InProcessServer(s.srv), nats.Name("gojinn-system"), auth)
	if err != nil {
		return fmt.Errorf("natsbus: the system connection: %w", err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, removeTimeout)
	defer cancel()
	req, _ := json.Marshal(server.JSApiMetaServerRemoveRequest{Server: node})
	msg, err := nc.RequestWithContext(ctx, server.JSApiRemoveServer, req)
	if err != nil {
		// No responders: no meta leader (no quorum of the nodes).
		return fmt.Errorf("natsbus: removing %q: %w", node, mapErr(err))
	}
	var resp server.JSApiMetaServerRemoveResponse
	if err := json.Unmarshal(msg.Data, &resp); err != nil {
		return fmt.Errorf("natsbus: removing %q: the answer: %w", node, err)
	}
	switch {
	case resp.Error == nil:
		return nil
	case resp.Error.ErrCode == codeNotMember:
		return fmt.Errorf("%w: %q", ErrUnknownNode, node)
	default:
		return fmt.Errorf("natsbus: removing %q: %s", node, resp.Error.Description)
	}
}
