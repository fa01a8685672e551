module github.com/gojinn/gojinn/testdata/guests/sdkgo-sql

go 1.26.0

require github.com/gojinn/gojinn/sdk-go v0.0.0-00010101000000-000000000000

replace github.com/gojinn/gojinn/sdk-go => ../../../sdk-go
