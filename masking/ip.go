package masking

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/understudy-db/understudy/internal/ascii"
)

// ipMasker replaces addresses by private ones that route nowhere outside
// staging: IPv4 by an address in 10.0.0.0/8, IPv6 by one in the unique
// local fd00::/8, keeping a "/n" suffix. For IPv4 the 24 free bits are the
// original's low bits under a keyed permutation tweaked by its first octet,
// so addresses that share a first octet never collide; across first
// octets they collide at random (2^-24 per pair), which the collision
// guard reports in unique columns. IPv6 takes 120 bits of keyed hash. In
// cidr columns only the network bits are masked (host bits stay zero, as
// PostgreSQL requires), and networks of /8 or wider map to the masked form
// of 10.0.0.0/8 (IPv4) or fd00::/8 (IPv6), which may be the input itself.
// A text column too short for the masked address gets one whose middle
// bytes are zeroed until it fits.
type ipMasker struct {
	key  *Key
	cidr bool
	max  int
}

// minIPChars is the length of the longest IPv4 address.
const minIPChars = len("255.255.255.255")

var errNotIP = errors.New("value is not an IP address (optionally followed by /prefix length)")

func (m ipMasker) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	text, suffix := value, value[len(value):]
	if i := bytes.IndexByte(value, '/'); i >= 0 {
		text, suffix = value[:i], value[i:]
	}
	var a netip.Addr
	if b, ok := parseIPv4(text); ok {
		a = netip.AddrFrom4(b)
	} else {
		var err error
		if a, err = netip.ParseAddr(string(text)); err != nil {
			return dst, errNotIP
		}
		a = a.WithZone("")
	}
	bits := a.BitLen()
	if len(suffix) > 0 {
		p, ok := parsePrefixLen(suffix[1:], bits)
		if !ok {
			return dst, errNotIP
		}
		if m.cidr {
			bits = p
		}
	}
	var out netip.Addr
	if a.Is4() {
		out = m.mask4(a, bits)
	} else {
		a16 := a.As16()
		sum := m.key.Sum2('6', a16[:])
		sum[0] = 0xfd
		out = netip.AddrFrom16([16]byte(sum[:16]))
	}
	if m.cidr {
		out = netip.PrefixFrom(out, bits).Masked().Addr()
	}
	if out == a && bits > 8 {
		out = flipAddrBit(out, bits-1)
	}
	return m.appendAddr(dst, out, suffix, bits), nil
}

// mask4 permutes the bits between the first octet and the prefix length.
func (m ipMasker) mask4(a netip.Addr, bits int) netip.Addr {
	b := a.As4()
	x := binary.BigEndian.Uint32(b[:])
	y := uint32(10) << 24
	if bits > 8 {
		free := uint(bits - 8)
		v := uint64(x>>(32-bits)) & (1<<free - 1)
		w := m.key.permute(v, 1<<free, uint64(x>>24)|uint64(bits)<<8)
		y |= uint32(w) << (32 - bits)
	}
	binary.BigEndian.PutUint32(b[:], y)
	return netip.AddrFrom4(b)
}

// appendAddr writes a and suffix (for cidr, "/bits" when the input had no
// suffix, as PostgreSQL writes cidr), zeroing bytes after the first while
// the text is too long for the column.
func (m ipMasker) appendAddr(dst []byte, a netip.Addr, suffix []byte, bits int) []byte {
	start := len(dst)
	for i := 1; ; i++ {
		dst = append(a.AppendTo(dst[:start]), suffix...)
		if m.cidr && len(suffix) == 0 {
			dst = strconv.AppendInt(append(dst, '/'), int64(bits), 10)
		}
		if m.max == 0 || len(dst)-start <= m.max || i*8 >= a.BitLen()-8 {
			return dst
		}
		if a.Is4() {
			b := a.As4()
			b[i] = 0
			a = netip.AddrFrom4(b)
		} else {
			b := a.As16()
			b[i] = 0
			a = netip.AddrFrom16(b)
		}
	}
}

// flipAddrBit flips bit i (0 is the most significant) of a.
func flipAddrBit(a netip.Addr, i int) netip.Addr {
	if a.Is4() {
		b := a.As4()
		b[i/8] ^= 0x80 >> (i % 8)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	b[i/8] ^= 0x80 >> (i % 8)
	return netip.AddrFrom16(b)
}

// parseIPv4 reads a dotted-quad address without allocating (the common
// case; IPv6 goes through netip).
func parseIPv4(b []byte) (out [4]byte, ok bool) {
	part, n, digits := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if digits == 0 || part == 4 {
				return out, false
			}
			out[part] = byte(n)
			part, n, digits = part+1, 0, 0
			continue
		}
		if !ascii.IsDigit(b[i]) || digits == 3 {
			return out, false
		}
		n = n*10 + int(b[i]-'0')
		digits++
		if n > 255 {
			return out, false
		}
	}
	return out, part == 4
}

// parsePrefixLen reads a prefix length of at most max.
func parsePrefixLen(b []byte, max int) (int, bool) {
	if len(b) == 0 || len(b) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !ascii.IsDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= max
}

func init() {
	register(&Def{
		Name: "ip",
		Doc:  "a private address: IPv4 in 10.0.0.0/8, IPv6 in fd00::/8, keeping the prefix length",
		Accepts: func(c *Column) (bool, string) {
			switch c.Category {
			case CatInet, CatCidr, CatText:
				return true, ""
			}
			return false, "it produces inet, cidr or text addresses"
		},
		New: func(cfg *Config) (Masker, error) {
			c := cfg.Column
			if c.MaxChars > 0 && c.MaxChars < minIPChars {
				return nil, fmt.Errorf("%s is too short for IP addresses (needs %d characters)", c.TypeName(), minIPChars)
			}
			return ipMasker{key: cfg.Key, cidr: c.Category == CatCidr, max: c.MaxChars}, nil
		},
	})
}
