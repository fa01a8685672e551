package meter

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tetratelabs/wazero"
)

// A host meters a module: instrument it once, provide the refuel import
// (here instantiateRefuel in host_test.go: it stops the run when its
// context is done and otherwise asks the run's Budget), and read the
// counter after the run.
func Example() {
	dir, _ := os.MkdirTemp("", "meter-example")
	defer os.RemoveAll(dir)
	src, bin := filepath.Join(dir, "sum.wat"), filepath.Join(dir, "sum.wasm")
	_ = os.WriteFile(src, []byte(`(module (func (export "sum") (param $n i32) (result i32) (local $acc i32)
	  (block $done (loop $l
	    (br_if $done (i32.eqz (local.get $n)))
	    (local.set $acc (i32.add (local.get $acc) (local.get $n)))
	    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
	    (br $l)))
	  (local.get $acc)))`), 0o644)
	if err := exec.Command("wat2wasm", src, "-o", bin).Run(); err != nil {
		fmt.Println(err)
		return
	}
	wasm, _ := os.ReadFile(bin)

	metered, err := Instrument(wasm)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx) // no WithCloseOnContextDone: refuel stops runs
	defer rt.Close(ctx)
	if err := instantiateRefuel(ctx, rt); err != nil {
		fmt.Println(err)
		return
	}
	compiled, err := rt.CompileModule(ctx, metered)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, limit := range []int64{0, 5000} {
		budget := &Budget{Limit: limit}
		runCtx := context.WithValue(ctx, budgetKey{}, budget)
		mod, _ := rt.InstantiateModule(runCtx, compiled, wazero.NewModuleConfig().WithName(""))
		res, err := mod.ExportedFunction("sum").Call(runCtx, 1000)
		fuel := budget.Consumed(int64(mod.ExportedGlobal(FuelExport).Get()))
		if err != nil {
			fmt.Printf("limit %d: stopped after %d units\n", limit, fuel)
		} else {
			fmt.Printf("limit %d: sum = %d, %d units\n", limit, res[0], fuel)
		}
		_ = mod.Close(ctx)
	}
	// Output:
	// limit 0: sum = 500500, 12004 units
	// limit 5000: stopped after 5007 units
}
