module github.com/gojinn/gojinn/sdk-go

go 1.26.0
