//go:build !unix

package natsbus

// lockDir takes no lock where flock does not exist: there, nothing keeps
// a second process from starting a server on the same directory.
func lockDir(string) (unlock func(), err error) { return func() {}, nil }
