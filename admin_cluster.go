package gojinn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/metrics"
	"github.com/gojinn/gojinn/natsbus"
)

func init() {
	adminRoutes = append(adminRoutes,
		caddy.AdminRoute{Pattern: "/gojinn/cluster", Handler: caddy.AdminHandlerFunc(serveCluster)},
		caddy.AdminRoute{Pattern: "/gojinn/cluster/remove", Handler: caddy.AdminHandlerFunc(serveClusterRemove)})
}

// clusterStatusTimeout bounds the JetStream calls of one status.
const clusterStatusTimeout = 10 * time.Second

// serveCluster answers GET /gojinn/cluster (admin.api.gojinn): the
// cluster as this node sees it (docs/cluster.md); 404 without a cluster
// block.
func serveCluster(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return methodNotAllowed(r)
	}
	bus, err := clusterBus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), clusterStatusTimeout)
	defer cancel()
	st, err := bus.ClusterStatus(ctx)
	if err != nil {
		return apiErr(err)
	}
	return writeJSON(w, st)
}

// serveClusterRemove answers POST /gojinn/cluster/remove {"node": "n3"}:
// removes a stopped node from the cluster for good (docs/cluster.md);
// 409 while the node is still connected.
func serveClusterRemove(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return methodNotAllowed(r)
	}
	var req struct {
		Node string `json:"node"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Node == "" {
		return caddy.APIError{HTTPStatus: http.StatusBadRequest, Err: fmt.Errorf(`want {"node": "<name>"}: %v`, err)}
	}
	bus, err := clusterBus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), clusterStatusTimeout)
	defer cancel()
	switch err := bus.RemoveNode(ctx, req.Node); {
	case errors.Is(err, natsbus.ErrNodeAlive):
		return caddy.APIError{HTTPStatus: http.StatusConflict, Err: err}
	case errors.Is(err, natsbus.ErrUnknownNode):
		return caddy.APIError{HTTPStatus: http.StatusNotFound, Err: err}
	case err != nil:
		return apiErr(err)
	}
	return writeJSON(w, map[string]string{"removed": req.Node})
}

// clusterBus is the running config's bus, an API error without a
// cluster block.
func clusterBus() (*natsbus.Bus, error) {
	app, err := runningApp()
	if err != nil {
		return nil, err
	}
	if app.Cluster == nil {
		return nil, caddy.APIError{HTTPStatus: http.StatusNotFound, Err: errors.New("the running config has no cluster block")}
	}
	bus, err := app.Bus()
	if err != nil {
		return nil, apiErr(err)
	}
	return bus, nil
}

// clusterSample is the cluster's state for a metrics scrape; nil until
// the node's NATS is open (it opens with the first store, queue or
// schedule that needs it).
func (a *App) clusterSample() *metrics.ClusterSample {
	a.mu.Lock()
	bus := a.open
	a.mu.Unlock()
	if bus == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterStatusTimeout)
	defer cancel()
	st, err := bus.ClusterStatus(ctx)
	if err != nil && st == nil {
		return nil
	}
	return sampleOf(st)
}

// sampleOf turns a status into the metrics' sample.
func sampleOf(st *natsbus.ClusterStatus) *metrics.ClusterSample {
	s := &metrics.ClusterSample{Size: st.Size, Routes: map[string]bool{}}
	for _, n := range st.Nodes {
		if n.Name != st.Node {
			s.Routes[n.Name] = false
		}
	}
	for _, r := range st.Routes {
		s.Routes[r.Node] = r.Connections > 0
	}
	for _, store := range st.Stores {
		for _, f := range store.Followers {
			s.Lags = append(s.Lags, metrics.ReplicaLag{Store: store.Name, Node: f.Node, Lag: f.Lag})
		}
	}
	return s
}
