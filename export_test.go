package gojinn

// CompiledModuleCount exposes to the tests how many compiled modules are alive.
func CompiledModuleCount() int {
	n := 0
	compiledModules.Range(func(_, _ any) bool { n++; return true })
	return n
}
