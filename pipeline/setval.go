package pipeline

import (
	"bytes"
	"regexp"
	"strconv"

	"github.com/understudy-db/understudy/schema"
)

// setvalRe matches pg_dump's sequence-setting statement.
var setvalRe = regexp.MustCompile(`(?is)SELECT\s+(?:pg_catalog\.)?setval\(\s*'((?:[^']|'')+)'\s*,\s*(-?[0-9]+)\s*(,\s*(?:true|false)\s*)?\)\s*;`)

// isSetval reports whether a statement sets a sequence.
func isSetval(text []byte) bool {
	return len(text) >= 6 && bytes.EqualFold(text[:6], []byte("SELECT")) && setvalRe.Match(text)
}

// setval rewrites a sequence's value so it stays ahead of the masked keys it
// feeds: hash_id may move a key above the original maximum. Other
// statements, and sequences already ahead, pass through unchanged.
func (wr *writer) setval(raw []byte) []byte {
	all := setvalRe.FindAllSubmatchIndex(raw, -1)
	if all == nil {
		return raw
	}
	sub := all[len(all)-1] // the statement itself follows any comments
	name, err := schema.ParseQName(string(bytes.ReplaceAll(raw[sub[2]:sub[3]], []byte("''"), []byte("'"))))
	if err != nil {
		return raw
	}
	var top int64
	for _, cp := range wr.plan.Sequences[name] {
		top = max(top, wr.maxOut[cp])
	}
	cur, err := strconv.ParseInt(string(raw[sub[4]:sub[5]]), 10, 64)
	if err != nil || top <= cur {
		return raw
	}
	wr.stmt = append(wr.stmt[:0], raw[:sub[4]]...)
	wr.stmt = strconv.AppendInt(wr.stmt, top, 10)
	if sub[6] >= 0 {
		// is_called must be true: the value itself is taken.
		wr.stmt = append(wr.stmt, ", true"...)
		wr.stmt = append(wr.stmt, raw[sub[7]:]...)
	} else {
		wr.stmt = append(wr.stmt, raw[sub[5]:]...)
	}
	return wr.stmt
}
