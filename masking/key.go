package masking

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
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
	raw []byte
	// block drives the bijections and the PRF's chaining; out expands the
	// PRF's tag into its output, under an independent key.
	block, out cipher.Block
	// blocks holds AES work buffers: arrays handed to cipher.Block escape to
	// the heap, so they are pooled rather than declared per call.
	blocks sync.Pool
}

// aesBuf is scratch space for the block-cipher-based functions.
type aesBuf struct {
	in, out, mac, stream [16]byte
	sum                  [32]byte
}

func newKey(raw []byte) *Key {
	block, err := aes.NewCipher(raw[:16])
	if err != nil {
		panic(err) // 16-byte keys are always valid
	}
	out, err := aes.NewCipher(raw[16:32])
	if err != nil {
		panic(err)
	}
	k := &Key{raw: raw, block: block, out: out}
	k.blocks.New = func() any { return new(aesBuf) }
	return k
}

// Sum is the rule's PRF of value: a CBC-MAC under AES over the
// length-prefixed value (prefix-free, so a PRF for inputs of any length),
// expanded to 32 bytes under a second AES key. It is several times cheaper
// than HMAC-SHA256 for the short values maskers see, with AES-NI.
func (k *Key) Sum(value []byte) [32]byte { return k.sum(0, value) }

// Sum2 is Sum over a domain-separated input, for independent draws from one
// value.
func (k *Key) Sum2(tag byte, value []byte) [32]byte { return k.sum(uint64(tag)+1, value) }

func (k *Key) sum(tag uint64, value []byte) [32]byte {
	b := k.blocks.Get().(*aesBuf)
	mac, in := &b.mac, &b.in
	binary.LittleEndian.PutUint64(mac[:8], uint64(len(value)))
	binary.LittleEndian.PutUint64(mac[8:], tag)
	k.block.Encrypt(mac[:], mac[:])
	for len(value) > 0 {
		n := copy(in[:], value)
		clear(in[n:])
		value = value[n:]
		xor16(mac, in)
		k.block.Encrypt(mac[:], mac[:])
	}
	*in = *mac
	in[0] ^= 1
	k.out.Encrypt(b.sum[:16], in[:])
	in[0] ^= 3
	k.out.Encrypt(b.sum[16:], in[:])
	out := b.sum
	k.blocks.Put(b)
	return out
}

// round is the Feistel round function: AES of (round, x) truncated to 64 bits.
func (k *Key) round(b *aesBuf, r int, x uint64, extra uint64) uint64 {
	binary.LittleEndian.PutUint64(b.in[:8], x)
	binary.LittleEndian.PutUint64(b.in[8:], extra^uint64(r)<<56)
	k.block.Encrypt(b.out[:], b.in[:])
	return binary.LittleEndian.Uint64(b.out[:8])
}
