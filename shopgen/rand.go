package shopgen

import "math/bits"

// Every value is a pure function of (seed, stream, index): a row can be
// regenerated anywhere (another table, another run, another goroutine)
// without replaying the rows before it, which is what lets tables stream
// independently and stay consistent with each other.

const golden = 0x9e3779b97f4a7c15

// mix64 is the SplitMix64 finalizer, a bijection on uint64 with good
// avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Streams keep the random draws of different purposes independent, so that
// adding a draw to one never shifts the values of another.
const (
	sPerson uint64 = iota + 1
	sPersonExtra
	sPhone
	sUserIP
	sNamePerm
	sAddressCount
	sAddress
	sProduct
	sProductTime
	sOrder
	sOrderExtra
	sPayment
	sPaymentUUID
	sPaymentHolder
	sPaymentEvent
	sCard
	sIBAN
	sRefund
	sReview
	sTicket
	sSession
	sSessionUUID
	sSessionIP
	sEventCount
	sEvent
	sLogin
	sGiftCard
	sGiftCode
	sNewsletter
	sCompany
)

// rng is a SplitMix64 generator: tiny, fast and stable across Go releases.
type rng struct{ s uint64 }

func (g *Generator) rng(stream uint64, idx int64) rng {
	return rng{s: mix64(g.seed ^ mix64(stream*golden^uint64(idx)*0xd1b54a32d192ed03))}
}

func (r *rng) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a value in [0, n) (Lemire's multiply-shift; the bias is far
// below anything a fixture could show).
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// rangeIn returns a value in [lo, hi].
func (r *rng) rangeIn(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance is true with probability perMille/1000.
func (r *rng) chance(perMille int) bool { return r.intn(1000) < perMille }

// pick returns an index drawn from the given weights.
func (r *rng) pick(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// permute is a keyed bijection on [0, n): a balanced Feistel network over
// the smallest even number of bits covering n, cycle-walked back into
// range. It turns sequential indexes into unique but unordered-looking
// values (name combinations, gift-card codes, uuid tails).
func permute(x, n, key uint64) uint64 {
	half := uint(1)
	for uint64(1)<<(2*half) < n {
		half++
	}
	mask := uint64(1)<<half - 1
	for {
		l, r := x>>half, x&mask
		for round := uint64(0); round < 4; round++ {
			l, r = r, l^(mix64(r^key^round*golden)&mask)
		}
		x = l<<half | r
		if x < n {
			return x
		}
	}
}
