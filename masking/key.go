package masking

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
)

// Secret is the run's masking secret. Every masked value is a pure function
// of (secret, rule, original value); the secret never leaves this type in
// printable form.
type Secret struct {
	b []byte
}

// NewSecret wraps secret bytes (from ANONYMIZE_SECRET or --secret-file).
func NewSecret(b []byte) Secret { return Secret{b: append([]byte(nil), b...)} }

// RandomSecret returns a fresh secret for runs that need no stable output.
func RandomSecret() Secret {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("masking: no randomness: " + err.Error())
	}
	return Secret{b: b}
}

// String hides the secret from any log or error that formats it.
func (s Secret) String() string { return "[secret]" }

// GoString hides the secret from %#v as well.
func (s Secret) GoString() string { return "masking.Secret{[hidden]}" }

// Key derives the key of one rule. label names the rule canonically
// (masker name and parameters), so equal rules share a key in every table.
func (s Secret) Key(label string) *Key {
	m := hmac.New(sha256.New, s.b)
	m.Write([]byte("understudy/v1/"))
	m.Write([]byte(label))
	return newKey(m.Sum(nil))
}

// Key is the secret of one rule: a keyed PRF over values and an AES block
// cipher for the bijections.
type Key struct {
	raw   []byte
	block cipher.Block
	macs  sync.Pool
	// blocks holds AES work buffers: arrays handed to cipher.Block escape to
	// the heap, so they are pooled rather than declared per call.
	blocks sync.Pool
}

// aesBuf is scratch space for the block-cipher-based bijections.
type aesBuf struct {
	in, out, mac, stream [16]byte
}

type macState struct {
	h   hash.Hash
	tag [1]byte
	out [sha256.Size]byte
}

func newKey(raw []byte) *Key {
	block, err := aes.NewCipher(raw[:16])
	if err != nil {
		panic(err) // 16-byte keys are always valid
	}
	k := &Key{raw: raw, block: block}
	k.macs.New = func() any { return &macState{h: hmac.New(sha256.New, raw)} }
	k.blocks.New = func() any { return new(aesBuf) }
	return k
}

// Sum returns HMAC-SHA256 of value under the key.
func (k *Key) Sum(value []byte) [sha256.Size]byte {
	st := k.macs.Get().(*macState)
	st.h.Reset()
	st.h.Write(value)
	st.h.Sum(st.out[:0])
	out := st.out
	k.macs.Put(st)
	return out
}

// Sum2 is Sum over a domain-separated pair, for derived draws.
func (k *Key) Sum2(tag byte, value []byte) [sha256.Size]byte {
	st := k.macs.Get().(*macState)
	st.h.Reset()
	st.tag[0] = tag
	st.h.Write(st.tag[:])
	st.h.Write(value)
	st.h.Sum(st.out[:0])
	out := st.out
	k.macs.Put(st)
	return out
}

// Sub derives an independent key for a part of a rule.
func (k *Key) Sub(label string) *Key {
	m := hmac.New(sha256.New, k.raw)
	m.Write([]byte(label))
	return newKey(m.Sum(nil))
}

// round is the Feistel round function: AES of (round, x) truncated to 64 bits.
func (k *Key) round(b *aesBuf, r int, x uint64, extra uint64) uint64 {
	binary.LittleEndian.PutUint64(b.in[:8], x)
	binary.LittleEndian.PutUint64(b.in[8:], extra^uint64(r)<<56)
	k.block.Encrypt(b.out[:], b.in[:])
	return binary.LittleEndian.Uint64(b.out[:8])
}
