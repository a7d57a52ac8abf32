package masking

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "hash_id"}, col: col(CatInt, "int4"), values: []string{"42", "1000", "1025", "99999", "-7", "2147483647"}},
		conformanceCase{spec: Spec{Name: "hash_id"}, col: col(CatInt, "int2"), values: []string{"17", "32767", "-32768"}, exempt: []string{"echo"}},
		conformanceCase{spec: Spec{Name: "hash_id"}, col: col(CatInt, "int8"), values: []string{"9223372036854775807", "123456789012"}},
		conformanceCase{spec: Spec{Name: "hash_id"}, col: col(CatUUID, "uuid"), values: []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000"}},
		conformanceCase{spec: Spec{Name: "hash_id"}, col: col(CatText, "bpchar", 11), values: []string{"123-45-6789", "AB12cd", "ALFKI"}},
		conformanceCase{spec: Spec{Name: "hash"}, col: col(CatText, "text"), values: sampleEmails},
		conformanceCase{spec: Spec{Name: "hash", Params: map[string]any{"length": int64(40)}}, col: col(CatText, "varchar", 40), values: sampleNames},
		conformanceCase{spec: Spec{Name: "hash"}, col: col(CatBytea, "bytea"), values: []string{`\x0102`, `\x`}},
		conformanceCase{spec: Spec{Name: "null"}, col: col(CatText, "text"), values: sampleNames, exempt: []string{"echo", "secret"}},
		conformanceCase{spec: Spec{Name: "const", Params: map[string]any{"value": "x"}}, col: col(CatText, "varchar", 3), values: sampleNames, exempt: []string{"echo", "secret"}},
	)
}

func TestPermuteIntIsABijectionPerBucket(t *testing.T) {
	k := testOptions("s").Secret.Key("hash_id")
	seen := map[int64]bool{}
	step := int64(1 << 17 / sampleSize(1<<17)) // every x, or a sample under -short
	// Under -short the sample keeps both ends of each bucket.
	ends := []int64{1, 2, 3, smallIDs - 2, smallIDs - 1, smallIDs, smallIDs + 1, 1<<17 - 1}
	xs := slices.Clone(ends)
	for x := int64(4); x < 1<<17; x += step {
		if !slices.Contains(ends, x) {
			xs = append(xs, x)
		}
	}
	for _, x := range xs {
		y := k.PermuteInt(x, smallIDs)
		if seen[y] {
			t.Fatalf("PermuteInt not injective at %d", x)
		}
		seen[y] = true
		if y <= 0 || (x < smallIDs && y >= smallIDs) || (x >= smallIDs && strconv.FormatInt(y, 2)[0] != '1') {
			t.Fatalf("PermuteInt(%d) = %d leaves the bucket", x, y)
		}
		if x >= smallIDs && len(strconv.FormatInt(y, 2)) != len(strconv.FormatInt(x, 2)) {
			t.Fatalf("PermuteInt(%d) = %d changes bit length", x, y)
		}
		if k.PermuteInt(^x, smallIDs) != ^y {
			t.Fatalf("negative values are not mirrored")
		}
	}
	fixed := 0
	for x := int64(1); x < smallIDs; x += step {
		if k.PermuteInt(x, smallIDs) == x {
			fixed++
		}
	}
	if fixed > 8 {
		t.Errorf("%d fixed points among small ids", fixed)
	}
}

func TestPermuteUUIDIsInvertibleAndKeepsVersion(t *testing.T) {
	k := testOptions("s").Secret.Key("hash_id")
	seen := map[[16]byte]bool{}
	for i := 0; i < 5000; i++ {
		var u [16]byte
		u[0], u[15] = byte(i), byte(i>>8)
		u[6] = 0x40 | byte(i%16)
		u[8] = 0x80 | byte(i%64)
		v := k.PermuteUUID(u)
		if seen[v] {
			t.Fatal("PermuteUUID not injective")
		}
		seen[v] = true
		if v[6]>>4 != 4 || v[8]>>6 != 2 {
			t.Fatalf("version or variant changed: %x", v)
		}
	}
}

func TestPermuteShape(t *testing.T) {
	k := testOptions("s").Secret.Key("hash_id")
	seen := map[string]string{}
	for i := 0; i < 100000; i++ {
		in := []byte(strconv.Itoa(100000 + i))
		in = append(in[:3:3], append([]byte("-Ab"), in[3:]...)...)
		out := string(k.PermuteShape(nil, in, 0))
		if len(out) != len(in) || out[3:5] != "-A"[:2] && out[3] != '-' {
			t.Fatalf("shape changed: %q -> %q", in, out)
		}
		for j := range out {
			ri, _ := charClass(in[j])
			ro, _ := charClass(out[j])
			if ri != ro || (ri == 0 && in[j] != out[j]) {
				t.Fatalf("class changed at %d: %q -> %q", j, in, out)
			}
			if ri == 26 && (in[j] < 'a') != (out[j] < 'a') {
				t.Fatalf("case changed at %d: %q -> %q", j, in, out)
			}
		}
		if prev, dup := seen[out]; dup {
			t.Fatalf("collision: %q and %q", prev, in)
		}
		seen[out] = string(in)
	}
}

func BenchmarkPermuteInt(b *testing.B) {
	k := testOptions("s").Secret.Key("hash_id")
	var x int64
	for b.Loop() {
		x = k.PermuteInt(x%1000000+12345, smallIDs)
	}
}

func TestBijectionsDoNotAllocate(t *testing.T) {
	k := testOptions("s").Secret.Key("hash_id")
	in := []byte("AB-1234-cd-5678")
	out := make([]byte, 0, 64)
	var u [16]byte
	allocs := testing.AllocsPerRun(200, func() {
		k.PermuteInt(123456, smallIDs)
		k.PermuteUUID(u)
		out = k.PermuteShape(out[:0], in, 0)
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per call", allocs)
	}
}

func TestSumSeparatesInputs(t *testing.T) {
	k := testOptions("s").Secret.Key("rule")
	seen := map[[32]byte]string{}
	inputs := []string{"", "a", "a\x00", "\x00", "0123456789abcdef", "0123456789abcdef\x00", "0123456789abcdef0"}
	for _, in := range inputs {
		for tag := -1; tag < 3; tag++ {
			var s [32]byte
			if tag < 0 {
				s = k.Sum([]byte(in))
			} else {
				s = k.Sum2(byte(tag), []byte(in))
			}
			key := fmt.Sprintf("%q/%d", in, tag)
			if prev, dup := seen[s]; dup {
				t.Fatalf("Sum collides for %s and %s", prev, key)
			}
			seen[s] = key
		}
	}
	if k.Sum([]byte("x")) == testOptions("t").Secret.Key("rule").Sum([]byte("x")) {
		t.Fatal("Sum does not depend on the secret")
	}
}

func BenchmarkSum(b *testing.B) {
	k := testOptions("s").Secret.Key("rule")
	v := []byte("someone.somewhere@example.org")
	for b.Loop() {
		k.Sum(v)
	}
}

func TestParseInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7, true},
		{"+7", 7, true},
		{"-7", -7, true},
		{"0123456789", 123456789, true},
		{"-0", 0, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775808", -1 << 63, true},
		{"-9223372036854775809", 0, false},
		{"922337203685477580", 922337203685477580, true},
		{"92233720368547758070", 0, false},
		{"99999999999999999999", 0, false},
		{"", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"--1", 0, false},
		{"1-", 0, false},
		{"1/", 0, false},
		{"1:", 0, false},
		{" 1", 0, false},
		{"1.0", 0, false},
	} {
		got, ok := parseInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestHashIDBuckets: smallint columns share a bucket of 1024 small values,
// wider ones (and text) one of 65536.
func TestHashIDBuckets(t *testing.T) {
	k := testOptions("s").Secret.Key("hash_id")
	for _, tc := range []struct {
		c     *Column
		small uint64
	}{
		{col(CatInt, "int2"), smallIDsInt16},
		{col(CatInt, "int4"), smallIDs},
		{col(CatInt, "int8"), smallIDs},
		{&Column{Category: CatInt, IntMin: -1 << 31, IntMax: 1<<31 - 2}, smallIDsInt16},
		{&Column{Category: CatInt, IntMin: 0, IntMax: 1}, smallIDsInt16},
		{&Column{Category: CatInt}, smallIDs},
	} {
		m := mustBuild(t, &Spec{Name: "hash_id"}, tc.c, testOptions("s"))
		for _, v := range []int64{1, 5, 1000, 1023, 1024, 5000, 65535, 65536, -3} {
			out, err := m.Mask(NewScratch(), nil, []byte(strconv.FormatInt(v, 10)))
			if want := strconv.FormatInt(k.PermuteInt(v, tc.small), 10); err != nil || string(out) != want {
				t.Errorf("IntMax %d: %d -> %s, %v; want %s", tc.c.IntMax, v, out, err, want)
			}
		}
	}
	m := mustBuild(t, &Spec{Name: "hash_id"}, col(CatInt, "int4"), testOptions("s"))
	for _, v := range []string{"", "x", "1.5", "99999999999999999999"} {
		if _, err := m.Mask(NewScratch(), nil, []byte(v)); err != errNotInteger {
			t.Errorf("hash_id(%q): %v", v, err)
		}
	}
	mu := mustBuild(t, &Spec{Name: "hash_id"}, col(CatUUID, "uuid"), testOptions("s"))
	if _, err := mu.Mask(NewScratch(), nil, []byte("not-a-uuid")); err != errNotUUID {
		t.Errorf("hash_id on a bad uuid: %v", err)
	}
}
