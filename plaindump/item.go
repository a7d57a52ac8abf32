package plaindump

// Row returns a CopyRow's bytes with its line end: the reader keeps the
// two adjacent, so no copy is made.
func (it *Item) Row() []byte { return it.Raw[:len(it.Raw)+len(it.EOL)] }
