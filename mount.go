package gojinn

import (
	"fmt"
	"path"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/gojinn/gojinn/sandbox"
)

// Mount shows a host directory to the guest (docs/mounts.md). The guest
// cannot leave it: `..` past its top and symbolic links that are
// absolute or lead out of it are refused.
type Mount struct {
	// HostDir is the directory on the host; it must exist when the config
	// loads. Placeholders such as {env.X} are resolved at load.
	HostDir string `json:"host_dir"`
	// GuestPath is where the guest sees it: an absolute path such as
	// /data, each once per handler.
	GuestPath string `json:"guest_path"`
	// Writable lets the guest create, write, rename and remove files in
	// it. Default: read-only (writes fail with EROFS or EBADF).
	Writable bool `json:"writable,omitempty"`
}

// `mount <host_dir> <guest_path> [ro|rw]`, repeatable.
func init() {
	handlerOptions["mount"] = handlerOption{parse: parseMount, repeatable: true}
}

// parseMount reads `mount <host_dir> <guest_path> [ro|rw]`, checking
// the guest path now so that a bad one names its line. Whether the host
// directory exists is checked at load.
func parseMount(d *caddyfile.Dispenser, g *Gojinn) error {
	args := d.RemainingArgs()
	if len(args) < 2 || len(args) > 3 {
		return d.Errf("mount takes a host directory, a guest path and an optional mode (ro or rw), got %d arguments", len(args))
	}
	m := Mount{HostDir: args[0], GuestPath: args[1]}
	if !path.IsAbs(m.GuestPath) || path.Clean(m.GuestPath) != m.GuestPath {
		return d.Errf("mount %s: the guest path %q must be absolute and clean, e.g. /data", m.HostDir, m.GuestPath)
	}
	for _, other := range g.Mounts {
		if other.GuestPath == m.GuestPath {
			return d.Errf("mount: the guest path %s is mounted twice", m.GuestPath)
		}
	}
	if len(args) == 3 {
		switch args[2] {
		case "ro":
		case "rw":
			m.Writable = true
		default:
			return d.Errf("mount %s: unknown mode %q: want ro or rw", m.GuestPath, args[2])
		}
	}
	g.Mounts = append(g.Mounts, m)
	return nil
}

// openMounts opens the handler's host directories for its Runner, which
// then owns them; nil when there are none.
func (g *Gojinn) openMounts(repl *caddy.Replacer) (*sandbox.Mounts, error) {
	if len(g.Mounts) == 0 {
		return nil, nil
	}
	mounts := make([]sandbox.Mount, len(g.Mounts))
	for i, m := range g.Mounts {
		mounts[i] = sandbox.Mount{HostDir: repl.ReplaceKnown(m.HostDir, ""), GuestPath: m.GuestPath, Writable: m.Writable}
	}
	ms, err := sandbox.OpenMounts(mounts)
	if err != nil {
		return nil, fmt.Errorf("gojinn: %s: %w", g.Path, err)
	}
	return ms, nil
}
