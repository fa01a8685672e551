//go:build !linux

package main

import "syscall"

// dieWithParent has no portable equivalent outside Linux; the test stops
// Caddy itself when it ends.
func dieWithParent() *syscall.SysProcAttr { return nil }
