package natsbus

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testCA makes a CA and, per name, a certificate it signs for 127.0.0.1
// (server and client use: routes are mutual TLS), written as PEM files
// in dir: ca.pem, <name>.pem, <name>-key.pem.
func testCA(t *testing.T, dir string, names ...string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, kind string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.pem", "CERTIFICATE", caDER)
	for i, n := range names {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: n},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalECPrivateKey(key)
		write(n+".pem", "CERTIFICATE", der)
		write(n+"-key.pem", "EC PRIVATE KEY", keyDER)
	}
}

// TestClusterMutualTLS: nodes whose certificates one CA signed form a
// cluster over TLS routes; a node whose certificate another CA signed is
// refused.
func TestClusterMutualTLS(t *testing.T) {
	ctx := context.Background()
	good, other := t.TempDir(), t.TempDir()
	testCA(t, good, "n1", "n2")
	testCA(t, other, "n3")
	cfgs := clusterConfigs(t, 3)
	for i, dir := range []string{good, good, other} {
		name := cfgs[i].Cluster.Node
		cfgs[i].Cluster.TLSCert = filepath.Join(dir, name+".pem")
		cfgs[i].Cluster.TLSKey = filepath.Join(dir, name+"-key.pem")
		cfgs[i].Cluster.TLSCA = filepath.Join(dir, "ca.pem")
		cfgs[i].Cluster.Replicas = 2
	}
	cfgs[2].Cluster.await = time.Second // it never joins
	buses := openCluster(t, cfgs[:2])
	stranger, err := Open(cfgs[2])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stranger.Close)
	if _, err := newKV(t, buses[0], KVConfig{}).Set(ctx, "s", "k", []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if v, _, err := newKV(t, buses[1], KVConfig{}).Get(ctx, "s", "k"); err != nil || string(v) != "v" {
		t.Fatalf("read over the TLS routes: %q %v", v, err)
	}
	st, err := buses[0].ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Routes) != 1 || st.Routes[0].Node != "n2" {
		t.Fatalf("n1's routes: %+v (n3's certificate is not the CA's)", st.Routes)
	}
	if n := stranger.shared.srv.NumRoutes(); n != 0 {
		t.Fatalf("the node with another CA's certificate has %d routes", n)
	}
}
