package host_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// A module importing a function the gojinn module lacks, or with another
// signature, is refused at Compile with the import's name; one importing
// nothing of it does not get it.
func TestModuleImports(t *testing.T) {
	for _, tc := range []struct{ guest, want string }{
		{"host-badcall", "the module imports gojinn.kv_gett: gojinn has no such function"},
		{"host-badsig", "the module imports gojinn.host_log as (func (param [i32 i32 i32]) (result [i32])): it is (func (param [i32 i32 i32]) (result []))"},
	} {
		path := testguest.WAT(t, tc.guest)
		_, err := sandbox.Compile(context.Background(), path, testguest.Read(t, path), sandbox.Options{}, host.Module())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.guest, err, tc.want)
		}
	}
	if !driverModule(t).Imports(host.ModuleName) {
		t.Error("the driver imports gojinn, Imports says not")
	}
	path := testguest.WAT(t, "ok")
	m, err := sandbox.Compile(context.Background(), path, testguest.Read(t, path), sandbox.Options{}, host.Module())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	if m.Imports(host.ModuleName) {
		t.Error("ok.wat imports nothing of gojinn, Imports says it does")
	}
}
