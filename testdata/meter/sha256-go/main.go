// Command sha256-go is a compute-heavy standard Go guest (wasip1) for
// sandbox/meter's benchmarks: it hashes its request 20,000 times with
// SHA-256 (each round hashing the previous digest and the request) and
// answers the final digest.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

func main() {
	req, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Exit(1)
	}
	sum := sha256.Sum256(req)
	for range 20000 {
		h := sha256.New()
		h.Write(sum[:])
		h.Write(req)
		h.Sum(sum[:0])
	}
	fmt.Printf(`{"status":200,"body":%q}`, hex.EncodeToString(sum[:]))
}
