package masking

import (
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
	for i := range 1 << 16 {
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
