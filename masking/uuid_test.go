package masking

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func init() {
	values := []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "uuid"}, col: col(CatUUID, "uuid"), values: values},
		conformanceCase{spec: Spec{Name: "uuid"}, col: col(CatText, "varchar", 36), values: append(values, "order-17", "")},
	)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestUUIDIsV4AndDistinct(t *testing.T) {
	c := col(CatUUID, "uuid")
	m := mustBuild(t, &Spec{Name: "uuid"}, c, testOptions("s"))
	seen := map[string]bool{}
	for i := range sampleSize(10000) {
		out, _ := maskString(t, m, c, "00000000-0000-4000-8000-"+strings.Repeat("0", 12-len(strconv.Itoa(i)))+strconv.Itoa(i))
		if !uuidV4.MatchString(out) || seen[out] {
			t.Fatalf("%q is not a fresh v4 UUID", out)
		}
		seen[out] = true
	}
	if _, err := Build(&Spec{Name: "uuid"}, col(CatText, "varchar", 35), testOptions("s")); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("varchar(35): %v", err)
	}
	if _, err := Build(&Spec{Name: "uuid"}, col(CatInt, "int8"), testOptions("s")); err == nil {
		t.Error("uuid accepted a bigint column")
	}
}

func TestParseUUID(t *testing.T) {
	const canon = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
	for in, ok := range map[string]bool{
		canon:                                     true,
		strings.ToUpper(canon):                    true,
		"a0eebc999c0b4ef8bb6d6bb9bd380a11":        true,
		"{" + canon + "}":                         true,
		"{a0eebc999c0b4ef8bb6d6bb9bd380a11}":      true,
		"a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11": true,
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1":     false, // 31 digits
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111":   false, // 33 digits
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-0":  false,
		"{" + canon:                               false,
		canon + "}":                               false,
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g":    false,
		"":                                        false,
		"{}":                                      false,
		"}{":                                      false,
		"-":                                       false,
	} {
		u, got := parseUUID([]byte(in))
		if got != ok {
			t.Errorf("parseUUID(%q) ok = %v, want %v", in, got, ok)
			continue
		}
		if ok {
			if s := string(appendUUID([]byte("pre:"), u)); s != "pre:"+canon {
				t.Errorf("parseUUID(%q) = %s", in, s)
			}
		}
	}
	var u [16]byte
	for i := range u {
		u[i] = byte(i*17 + 1)
	}
	if got := string(appendUUID(nil, u)); got != "01122334-4556-6778-899a-abbccddeef00" {
		t.Errorf("appendUUID = %s", got)
	}
}
