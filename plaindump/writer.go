package plaindump

import (
	"bufio"
	"io"
)

// Writer writes dump items back out. Items written unchanged reproduce the
// input byte for byte.
type Writer struct {
	bw *bufio.Writer
}

// NewWriter returns a Writer on w. Call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, 1<<20)}
}

// WriteItem writes an item exactly as it was read.
func (w *Writer) WriteItem(it *Item) error {
	if _, err := w.bw.Write(it.Raw); err != nil {
		return err
	}
	if it.Kind == CopyRow {
		_, err := w.bw.Write(it.EOL)
		return err
	}
	return nil
}

// Write writes raw bytes, such as a rewritten statement.
func (w *Writer) Write(p []byte) (int, error) { return w.bw.Write(p) }

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
