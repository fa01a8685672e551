package sandbox

import (
	"strings"
	"testing"
)

// BenchmarkDecodeResponseLarge decodes a response with ten headers and a
// 64 KiB text body with some escapes: the scanning cost per byte.
func BenchmarkDecodeResponseLarge(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"status":200,"headers":{`)
	for i := range 10 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`"X-Header-` + string(rune('a'+i)) + `":["some value; q=0.5","another"]`)
	}
	sb.WriteString(`},"body":"`)
	for sb.Len() < 64<<10 {
		sb.WriteString(`Lorem ipsum dolor sit amet, \"consectetur\" adipiscing élit.\n`)
	}
	sb.WriteString(`"}`)
	out := []byte(sb.String())
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeResponse(out); err != nil {
			b.Fatal(err)
		}
	}
}
