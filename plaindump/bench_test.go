package plaindump

import (
	"io"
	"os"
	"testing"

	"github.com/understudy-db/understudy/internal/benchdump"
)

// BenchmarkReadWrite streams a generated plain dump (about 1 GB at the
// default scale) through the reader and the writer, reporting throughput
// and the process's peak RSS, which must stay flat whatever the dump size.
func BenchmarkReadWrite(b *testing.B) {
	path := benchdump.Path(b, benchdump.Scale(b, 850))
	size := benchdump.Size(b, path)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewReader(f, path)
		if err != nil {
			b.Fatal(err)
		}
		w := NewWriter(io.Discard)
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := w.WriteItem(it); err != nil {
				b.Fatal(err)
			}
		}
		w.Flush()
		f.Close()
	}
	b.ReportMetric(float64(size)/1e6, "dump-MB")
	b.ReportMetric(benchdump.PeakRSSMB(), "peak-RSS-MB")
}
