package masking

import (
	"encoding/binary"
	"math/bits"
)

// Format-preserving bijections: keyed permutations that keep a value in the
// set it came from, so masked keys stay unique and stay valid for the column.

// feistelRounds is the number of rounds of the binary Feistel networks;
// shapeRounds counts half-rounds of the mixed-radix one (each updates one
// side), four per side — beyond Luby-Rackoff's bound for a strong
// permutation with an AES round function.
const (
	feistelRounds = 6
	shapeRounds   = 8
)

// permute maps v in [0, n) to [0, n) bijectively: a balanced Feistel network
// over the smallest even bit width covering n, cycle-walking until the result
// falls back inside the domain. tweak separates independent permutations.
func (k *Key) permute(v, n, tweak uint64) uint64 {
	if n <= 1 {
		return v
	}
	w := bits.Len64(n - 1)
	if w%2 == 1 {
		w++
	}
	if w < 2 {
		w = 2
	}
	half := uint(w / 2)
	mask := uint64(1)<<half - 1
	b := k.blocks.Get().(*aesBuf)
	defer k.blocks.Put(b)
	for {
		l, r := v>>half, v&mask
		for i := 0; i < feistelRounds; i++ {
			l, r = r, l^(k.round(b, i, r, tweak^uint64(w)<<48)&mask)
		}
		v = l<<half | r
		if v < n {
			return v
		}
	}
}

// PermuteInt is the keyed bijection of hash_id on integer columns. Values
// keep their sign and bit length, except that all |x| below small (a power
// of two) share one bucket: without it id 1 could only map to itself and ids
// 2 and 3 to each other. So the result is below max(small, 2^bitlen(x)): it
// fits every integer type the original fits when small does, and a sequence
// set to at least the largest result never hands out a colliding value.
// Negative values are mirrored by one's complement, so a type's minimum
// stays in range too.
func (k *Key) PermuteInt(x int64, small uint64) int64 {
	if x < 0 {
		return ^k.PermuteInt(^x, small)
	}
	if x == 0 {
		return 0
	}
	u := uint64(x)
	var lo, n, bucket uint64
	if u < small {
		lo, n = 1, small-1
	} else {
		b := bits.Len64(u) - 1
		lo, n, bucket = uint64(1)<<b, uint64(1)<<b, uint64(b)
	}
	return int64(lo + k.permute(u-lo, n, bucket))
}

// PermuteUUID is the keyed bijection of hash_id on uuid columns: the 122
// bits outside the version and variant fields are permuted, those fields are
// kept, so a v4 UUID stays a v4 UUID.
func (k *Key) PermuteUUID(u [16]byte) [16]byte {
	hi := binary.BigEndian.Uint64(u[:8])
	lo := binary.BigEndian.Uint64(u[8:])
	// Gather the 122 free bits: hi without bits 12..15 (version), lo without
	// its top two bits (variant).
	const verMask = uint64(0xf) << 12
	free1 := (hi>>16)<<12 | hi&0xfff // 60 bits
	free2 := lo & (1<<62 - 1)        // 62 bits
	// Two 61-bit halves.
	a := free1<<1 | free2>>61
	b := free2 & (1<<61 - 1)
	const mask61 = uint64(1)<<61 - 1
	buf := k.blocks.Get().(*aesBuf)
	for i := 0; i < feistelRounds; i++ {
		a, b = b, a^(k.round(buf, i, b, 0x75756964)&mask61)
	}
	k.blocks.Put(buf)
	free1 = a >> 1
	free2 = (a&1)<<61 | b
	hi = (free1>>12)<<16 | hi&verMask | free1&0xfff
	lo = lo&^(1<<62-1) | free2
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], hi)
	binary.BigEndian.PutUint64(out[8:], lo)
	return out
}

// charClass returns the radix and base of an ASCII letter or digit, or 0.
func charClass(c byte) (radix, base byte) {
	switch {
	case c >= '0' && c <= '9':
		return 10, '0'
	case c >= 'a' && c <= 'z':
		return 26, 'a'
	case c >= 'A' && c <= 'Z':
		return 26, 'A'
	}
	return 0, 0
}

// PermuteShape is the keyed bijection on strings of one shape: digits stay
// digits, ASCII letters stay letters of the same case, every other byte stays
// where it is. Among strings of the same shape it is a permutation, so it
// never turns two distinct values into one. from limits the permutation to
// positions at or after it (leading characters are kept).
func (k *Key) PermuteShape(dst, src []byte, from int) []byte {
	return k.shape(dst, src, from, false)
}

// DerangeShape is PermuteShape without fixed points: P⁻¹(P(x) + s), with P
// the shape permutation and s a keyed non-zero shift of the shape's
// mixed-radix number, is still a permutation of the strings of x's shape,
// and maps no string to itself (P(x)+s = P(x) only for s = 0). A string
// with no letter or digit at or after from is returned as it is.
func (k *Key) DerangeShape(dst, src []byte, from int) []byte {
	return k.shape(dst, src, from, true)
}

func (k *Key) shape(dst, src []byte, from int, derange bool) []byte {
	start := len(dst)
	dst = append(dst, src...)
	out := dst[start:]
	var posBuf [64]int
	pos := posBuf[:0]
	for i := from; i < len(out); i++ {
		if r, _ := charClass(out[i]); r != 0 {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return dst
	}
	// Work on digit values in place: out[i]-base.
	for _, i := range pos {
		_, base := charClass(out[i])
		out[i] -= base
	}
	radix := func(i int) byte {
		_, base := charClass(src[i])
		if base == '0' {
			return 10
		}
		return 26
	}
	half := len(pos) / 2
	a, b := pos[:half], pos[half:]
	buf := k.blocks.Get().(*aesBuf)
	rounds := func(inverse bool) {
		for n := 0; n < shapeRounds; n++ {
			r := n
			if inverse {
				r = shapeRounds - 1 - n
			}
			target, from := a, b
			if r%2 == 1 {
				target, from = b, a
			}
			if len(target) == 0 {
				continue
			}
			k.shapeRound(buf, out, r, len(pos), from, target, radix, inverse)
		}
	}
	rounds(false)
	if derange {
		k.shapeShift(out, pos, radix)
		rounds(true)
	}
	k.blocks.Put(buf)
	for _, i := range pos {
		_, base := charClass(src[i])
		out[i] += base
	}
	return dst
}

// shapeShift adds to the mixed-radix number at pos (least significant
// last) a non-zero shift drawn from the key and the shape alone, modulo the
// number of strings of the shape.
func (k *Key) shapeShift(out []byte, pos []int, radix func(int) byte) {
	// The shape: 1 for a digit, 2 for a letter, then the count.
	var shape [66]byte
	n := min(len(pos), 64)
	for j := range n {
		shape[j] = radix(pos[j]) / 10
	}
	shape[n], shape[n+1] = byte(len(pos)), byte(len(pos)>>8)
	sum := k.Sum2('s', shape[:n+2])
	// Shift digit t (from the least significant) is sum[t] mod its radix.
	digit := func(t int) byte {
		if t >= len(sum) {
			return 0
		}
		return sum[t] % radix(pos[len(pos)-1-t])
	}
	zero := true
	for t := range len(pos) {
		zero = zero && digit(t) == 0
	}
	var carry byte
	for t := range len(pos) {
		i := pos[len(pos)-1-t]
		d := digit(t)
		if zero && t == 0 {
			d = 1
		}
		v := out[i] + d + carry
		carry = 0
		if rd := radix(i); v >= rd {
			v -= rd
			carry = 1
		}
		out[i] = v
	}
}

// shapeRound adds a keystream derived from the values at from (a CBC-MAC
// under the rule's AES key) to the values at target, digit by digit, modulo
// each position's radix.
func (k *Key) shapeRound(buf *aesBuf, out []byte, r, n int, from, target []int, radix func(int) byte, inverse bool) {
	block, mac := &buf.in, &buf.mac
	*mac = [16]byte{}
	*block = [16]byte{}
	block[0] = byte(r)
	block[1] = byte(n)
	block[2] = byte(n >> 8)
	j := 3
	for _, i := range from {
		if j == 16 {
			xor16(mac, block)
			k.block.Encrypt(mac[:], mac[:])
			*block = [16]byte{}
			j = 0
		}
		block[j] = out[i]
		j++
	}
	xor16(mac, block)
	k.block.Encrypt(mac[:], mac[:])
	// Expand into a keystream, 16 bytes per block, counter-style.
	stream, ctr := &buf.stream, &buf.out
	for t, i := range target {
		if t%16 == 0 {
			*ctr = *mac
			ctr[15] ^= byte(t/16) + 0x80
			k.block.Encrypt(stream[:], ctr[:])
		}
		st := uint16(stream[t%16])
		if inverse {
			// Subtract instead: 260 is a multiple of both radices.
			st = 260 - st%uint16(radix(i))
		}
		// Constant divisors: the compiler turns them into multiplications.
		if v := uint16(out[i]) + st; radix(i) == 10 {
			out[i] = byte(v % 10)
		} else {
			out[i] = byte(v % 26)
		}
	}
}

// xor16 sets a to a XOR b, eight bytes at a time.
func xor16(a, b *[16]byte) {
	binary.LittleEndian.PutUint64(a[:8], binary.LittleEndian.Uint64(a[:8])^binary.LittleEndian.Uint64(b[:8]))
	binary.LittleEndian.PutUint64(a[8:], binary.LittleEndian.Uint64(a[8:])^binary.LittleEndian.Uint64(b[8:]))
}
