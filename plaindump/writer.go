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
	if err := w.room(len(it.Raw) + len(it.EOL)); err != nil {
		return err
	}
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
func (w *Writer) Write(p []byte) (int, error) {
	if err := w.room(len(p)); err != nil {
		return 0, err
	}
	return w.bw.Write(p)
}

// room flushes the buffer if n more bytes do not fit in it, so that what
// reaches the underlying writer always ends between two writes: the output
// of a run that fails, and is never flushed again, then ends between two
// items rather than inside a row, where the failure marker a stream ends
// with would be read as the rest of the row.
func (w *Writer) room(n int) error {
	if n > w.bw.Available() && w.bw.Buffered() > 0 {
		return w.bw.Flush()
	}
	return nil
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
