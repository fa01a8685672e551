package fetch

import (
	"context"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/gojinn/gojinn/host"
)

// checkDial runs before every connection the Client makes, with the
// address actually dialed (after DNS resolution): it lets through a public
// address, or one an entry names literally with this port, and nothing
// else. Checking here rather than at resolution is what defeats DNS
// rebinding: no second lookup can differ from the address connected to.
func (c *Client) checkDial(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("dialing %s %s: %w", network, address, host.ErrDenied)
	}
	a := ap.Addr().Unmap()
	if c.literal[netip.AddrPortFrom(a, ap.Port())] || public(a) {
		return nil
	}
	return errNotPublic
}

// errNotPublic is the refusal of an address; the dialer's error names it.
var errNotPublic = fmt.Errorf("not a public address, and no fetch entry names it: %w", host.ErrDenied)
