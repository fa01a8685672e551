package main

import "syscall"

// dieWithParent makes the kernel stop Caddy if the test process dies first.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
