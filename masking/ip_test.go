package masking

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

var sampleInets = []string{"192.168.1.5", "10.1.2.3/24", "2001:db8::1", "::ffff:1.2.3.4", "203.0.113.9/32", "fe80::1/64"}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "ip"}, col: col(CatInet, "inet"), values: sampleInets},
		conformanceCase{spec: Spec{Name: "ip"}, col: col(CatCidr, "cidr"), values: []string{"192.168.0.0/16", "10.1.0.0/16", "2001:db8::/32", "198.51.100.0/24", "172.16.5.7", "2001:db8:1:2::/64"}},
		conformanceCase{spec: Spec{Name: "ip"}, col: col(CatText, "varchar", 15), values: []string{"192.168.100.200", "8.8.8.8", "2001:db8::1", "1.2.3.4/8"}},
		conformanceCase{spec: Spec{Name: "ip"}, col: col(CatText, "text"), values: sampleInets},
	)
}

func TestIPPrivateRanges(t *testing.T) {
	ten, ula := netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")
	inet, cidr := col(CatInet, "inet"), col(CatCidr, "cidr")
	mi := mustBuild(t, &Spec{Name: "ip"}, inet, testOptions("s"))
	mc := mustBuild(t, &Spec{Name: "ip"}, cidr, testOptions("s"))
	for _, tc := range []struct {
		c        *Column
		m        Masker
		in, want string // want: the prefix the output is in, and its suffix
	}{
		{inet, mi, "192.168.1.5", ""},
		{inet, mi, "10.1.2.3/24", "/24"},
		{inet, mi, "2001:db8::1/64", "/64"},
		{inet, mi, "fe80::1%eth0", ""},
		{cidr, mc, "192.168.0.0/16", "/16"},
		{cidr, mc, "2001:db8::/48", "/48"},
		{cidr, mc, "10.20.30.40", "/32"},
	} {
		out, _ := maskString(t, tc.m, tc.c, tc.in)
		addr, suffix, _ := strings.Cut(out, "/")
		if suffix != "" {
			suffix = "/" + suffix
		}
		a, err := netip.ParseAddr(addr)
		if err != nil || suffix != tc.want || !ten.Contains(a) && !ula.Contains(a) || out == tc.in {
			t.Errorf("%q -> %q", tc.in, out)
		}
		if tc.c == cidr && suffix != "" {
			if p := netip.MustParsePrefix(out); p.Masked() != p {
				t.Errorf("%q -> %q has host bits", tc.in, out)
			}
		}
	}
	if out, _ := maskString(t, mc, cidr, "64.0.0.0/2"); out != "0.0.0.0/2" {
		t.Errorf("a /2 network gave %q", out)
	}
}

func TestIPv4NoCollisionsWithinAnOctet(t *testing.T) {
	c := col(CatInet, "inet")
	m := mustBuild(t, &Spec{Name: "ip"}, c, testOptions("s"))
	seen := map[string]string{}
	for i := range sampleSize(1 << 16) {
		in := fmt.Sprintf("192.168.%d.%d", i>>8, i&255)
		out, _ := maskString(t, m, c, in)
		if prev, dup := seen[out]; dup {
			t.Fatalf("%q and %q both gave %q", prev, in, out)
		}
		seen[out] = in
	}
	cidr := col(CatCidr, "cidr")
	mc := mustBuild(t, &Spec{Name: "ip"}, cidr, testOptions("s"))
	nets := map[string]bool{}
	for i := range 256 {
		out, _ := maskString(t, mc, cidr, fmt.Sprintf("172.16.%d.0/24", i))
		nets[out] = true
	}
	if len(nets) != 256 {
		t.Errorf("256 /24 networks gave %d", len(nets))
	}
}

func TestIPFitsShortText(t *testing.T) {
	c := col(CatText, "varchar", 15)
	m := mustBuild(t, &Spec{Name: "ip"}, c, testOptions("s"))
	for _, in := range []string{"2001:db8:85a3::8a2e:370:7334", "1.2.3.4/24", "::1/128"} {
		out, _ := maskString(t, m, c, in)
		if len(out) > 15 || !strings.HasPrefix(out, "fd") && !strings.HasPrefix(out, "10.") {
			t.Errorf("%q -> %q", in, out)
		}
	}
	if _, err := Build(&Spec{Name: "ip"}, col(CatText, "varchar", 14), testOptions("s")); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("varchar(14): %v", err)
	}
	if _, err := Build(&Spec{Name: "ip"}, col(CatInt, "int4"), testOptions("s")); err == nil {
		t.Error("ip accepted an integer column")
	}
}

func TestIPRejectsOtherValues(t *testing.T) {
	c := col(CatInet, "inet")
	m := mustBuild(t, &Spec{Name: "ip"}, c, testOptions("s"))
	for _, in := range []string{"1.2.3", "1.2.3.4/33", "256.1.1.1", "2001:db8::/129", "example.com", "1.2.3.4/", ""} {
		_, _, err := apply(m, c, NewScratch(), in)
		if err == nil || in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("%q: error %v", in, err)
		}
	}
}

// TestIPLeadingZeros: an IPv4 address written with leading zeros is the
// same address; more than three digits in a part is no address.
func TestIPLeadingZeros(t *testing.T) {
	for _, c := range []*Column{col(CatInet, "inet"), col(CatText, "text")} {
		m := mustBuild(t, &Spec{Name: "ip"}, c, testOptions("s"))
		for padded, plain := range map[string]string{
			"192.168.001.005": "192.168.1.5",
			"010.000.000.001": "10.0.0.1",
			"001.2.3.4/24":    "1.2.3.4/24",
			"1.2.3.255":       "1.2.3.255",
		} {
			want, _ := maskString(t, m, c, plain)
			if got, _ := maskString(t, m, c, padded); got != want {
				t.Errorf("%q -> %q, but %q -> %q", padded, got, plain, want)
			}
		}
		for _, in := range []string{"0001.2.3.4", "1.2.3.0004", "1.2.3.256", "1..2.3", "1.2.3.4.5", ".1.2.3", "1.2.3."} {
			if _, _, err := apply(m, c, NewScratch(), in); !errors.Is(err, errNotIP) {
				t.Errorf("%q: %v", in, err)
			}
		}
	}
	// parseIPv4 is a fast path: what it accepts is the address netip reads
	// once leading zeros are gone.
	for _, in := range []string{"0.0.0.0", "255.255.255.255", "1.2.3.4", "01.02.03.004"} {
		b, ok := parseIPv4([]byte(in))
		if !ok {
			t.Errorf("parseIPv4(%q) failed", in)
			continue
		}
		if want := netip.MustParseAddr(strings.NewReplacer("004", "4", "01", "1", "02", "2", "03", "3").Replace(in)).As4(); b != want {
			t.Errorf("parseIPv4(%q) = %v, want %v", in, b, want)
		}
	}
}

// TestIPWideNetworks: a /8 or wider network maps to the masked form of
// 10.0.0.0/8 (or fd00::/8), which may be the input itself.
func TestIPWideNetworks(t *testing.T) {
	c := col(CatCidr, "cidr")
	m := mustBuild(t, &Spec{Name: "ip"}, c, testOptions("s"))
	for in, want := range map[string]string{
		"10.0.0.0/8":  "10.0.0.0/8",
		"11.0.0.0/8":  "10.0.0.0/8",
		"0.0.0.0/0":   "0.0.0.0/0",
		"128.0.0.0/1": "0.0.0.0/1",
		"fd00::/8":    "fd00::/8",
		"2001::/8":    "fd00::/8",
	} {
		if got, _ := maskString(t, m, c, in); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

// TestIPNetworksNeverEcho: a network longer than /8 never maps to itself;
// when the keyed mapping would, its last network bit flips, so the result
// stays a network (no host bits) of the same length.
func TestIPNetworksNeverEcho(t *testing.T) {
	c := col(CatCidr, "cidr")
	m := mustBuild(t, &Spec{Name: "ip"}, c, testOptions("s"))
	var nets []string
	for x := range 256 {
		nets = append(nets, fmt.Sprintf("10.%d.0.0/16", x), fmt.Sprintf("10.%d.0.0/15", x&^1), fmt.Sprintf("10.0.%d.0/24", x))
	}
	for bits := 9; bits <= 16; bits++ {
		for n := 0; n < 1<<(bits-8); n++ {
			nets = append(nets, netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfd, byte(n << (16 - bits))}), bits).String())
		}
	}
	flipped := 0
	for _, in := range nets {
		out, _ := maskString(t, m, c, in)
		p, err := netip.ParsePrefix(out)
		if err != nil || out == in || p.Masked() != p || p.Bits() != netip.MustParsePrefix(in).Bits() {
			t.Errorf("%s -> %s", in, out)
		}
		if strings.HasPrefix(in, "10.") && p.Addr().As4()[0] != 10 || strings.HasPrefix(in, "fd") && p.Addr().As16()[0] != 0xfd {
			t.Errorf("%s -> %s left the private range", in, out)
		}
		if in == "10.114.0.0/16" || in == "10.171.0.0/16" {
			flipped++ // found by search: fixed points of the keyed mapping under "s"
			if want := map[string]string{"10.114.0.0/16": "10.115.0.0/16", "10.171.0.0/16": "10.170.0.0/16"}[in]; out != want {
				t.Errorf("%s -> %s, want %s", in, out, want)
			}
		}
	}
	if flipped != 2 {
		t.Error("the fixed points were not tested")
	}
}
