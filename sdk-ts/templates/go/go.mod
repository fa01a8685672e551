module __NAME__

go 1.26.0

require (
	github.com/gojinn/gojinn/sdk-go v0.0.0-00010101000000-000000000000
	github.com/tetratelabs/wazero v1.12.0
)

require golang.org/x/sys v0.44.0 // indirect

// The Go SDK, from the gojinn package that created this project (it is not
// published on the module proxy yet). With a published version, delete
// this line and `go get github.com/gojinn/gojinn/sdk-go@latest`.
replace github.com/gojinn/gojinn/sdk-go => __SDK_GO__
