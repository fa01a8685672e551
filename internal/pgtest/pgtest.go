// Package pgtest starts a private PostgreSQL server for a test: Debian's
// binaries (/usr/lib/postgresql/<version>/bin), a fresh cluster in a
// temporary directory, listening on 127.0.0.1 at a free port, with
// password authentication, a database owned by a role that is not a
// superuser, and a role that can only read it. The server is stopped and
// its files removed when the test ends. Without PostgreSQL the test is
// skipped, unless the environment variable CI is set: then it fails, so
// that CI always runs it.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running private PostgreSQL server.
type Server struct {
	// Port is the server's TCP port on 127.0.0.1.
	Port int
	// SuperDSN connects as the superuser "postgres" to the database "app".
	SuperDSN string
	// OwnerDSN connects as "owner", who owns the database "app" and is
	// not a superuser.
	OwnerDSN string
	// ReaderDSN connects as "reader", who may only read the tables that
	// "owner" creates in app's schema public (and whose transactions are
	// read-only by default).
	ReaderDSN string
	// Password is owner's password, to look for where it must not be.
	Password string
}

// Passwords of the roles.
const (
	superPassword  = "pgtest-super-pw"
	ownerPassword  = "pgtest-owner-pw-7f3a9c"
	readerPassword = "pgtest-reader-pw"
)

// Start starts a server for t, stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("pgtest: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) but CI is set: .ci/run installs it")
		}
		t.Skip("pgtest: PostgreSQL is not installed (apt-get install postgresql): skipped")
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cred, err := credential(dir)
	if err != nil {
		t.Fatal(err)
	}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(superPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		_ = os.Chown(pwfile, int(cred.Uid), int(cred.Gid))
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--pwfile", pwfile,
		"--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off",
		"-c", "full_page_writes=off", "-c", "max_connections=60", "-c", "timezone=UTC")
	srv.Stdout, srv.Stderr = logFile, logFile
	// Its own process group, so that the stop reaches every backend.
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := srv.Start(); err != nil {
		t.Fatalf("pgtest: starting postgres: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = srv.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// SIGQUIT is PostgreSQL's immediate shutdown.
		_ = syscall.Kill(-srv.Process.Pid, syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logFile.Close()
	})
	s := &Server{
		Port:      port,
		SuperDSN:  dsn("postgres", superPassword, port, "app"),
		OwnerDSN:  dsn("owner", ownerPassword, port, "app"),
		ReaderDSN: dsn("reader", readerPassword, port, "app"),
		Password:  ownerPassword,
	}
	if err := s.setUp(dsn("postgres", superPassword, port, "postgres"), exited); err != nil {
		log, _ := os.ReadFile(logFile.Name())
		t.Fatalf("pgtest: %v\nserver log:\n%s", err, log)
	}
	return s
}

// setUp waits for the server, then creates the roles and the database.
func (s *Server) setUp(superDSN string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var conn *pgx.Conn
	for {
		var err error
		if conn, err = pgx.Connect(ctx, superDSN); err == nil {
			break
		}
		select {
		case <-exited:
			return fmt.Errorf("the server exited: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("the server is not ready: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		"CREATE ROLE owner LOGIN PASSWORD '" + ownerPassword + "'",
		"CREATE ROLE reader LOGIN PASSWORD '" + readerPassword + "'",
		"ALTER ROLE reader SET default_transaction_read_only = on",
		"CREATE DATABASE app OWNER owner",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	owner, err := pgx.Connect(ctx, s.OwnerDSN)
	if err != nil {
		return err
	}
	defer owner.Close(ctx)
	for _, stmt := range []string{
		"GRANT CONNECT ON DATABASE app TO reader",
		"GRANT USAGE ON SCHEMA public TO reader",
		"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader",
	} {
		if _, err := owner.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

func dsn(role, password string, port int, db string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", role, password, port, db)
}

// binDir is the bin directory of the newest PostgreSQL installed, or "".
func binDir() string {
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	slices.SortFunc(found, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return va - vb
	})
	if len(found) == 0 {
		return ""
	}
	return filepath.Dir(found[len(found)-1])
}

// credential is the OS user the server runs as: PostgreSQL refuses to run
// as root, so as root it is the user "postgres", who is given dir.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs the OS user postgres: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort is a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
