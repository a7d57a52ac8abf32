package masking

import (
	"fmt"
	"math"
	"strings"
)

// email builds first.last.tag@domain: a realistic local part plus eight
// characters (40 bits) of keyed hash, so distinct addresses stay distinct,
// at a reserved domain so that staging can never mail a real person.
type email struct {
	key    *Key
	domain string
	budget int // characters available for the local part; 0 means no limit
}

const emailTagLen = 8

// Space: the tag's 40 bits, times the names when the column has room for
// both in every address.
func (m email) Space(*Column) (float64, bool) {
	n := math.Exp2(5 * emailTagLen)
	if m.budget == 0 || m.budget >= 2*maxNameLen+2+emailTagLen {
		n *= float64(len(firstNames)) * float64(len(lastNames))
	}
	return n, false
}

func (m email) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	f := s.Faker(m.key, value)
	sum := m.key.Sum2('@', value)
	first, last := pick(f, firstNames), pick(f, lastNames)
	start := len(dst)
	// Longest realistic form that fits; the tag always stays.
	for form := 0; form < 4; form++ {
		dst = dst[:start]
		switch form {
		case 0:
			dst = appendSlug(dst, first)
			dst = append(dst, '.')
			dst = appendSlug(dst, last)
			dst = append(dst, '.')
		case 1:
			dst = appendSlug(dst, first[:min(1, len(first))])
			dst = append(dst, '.')
			dst = appendSlug(dst, last)
			dst = append(dst, '.')
		case 2:
			dst = appendSlug(dst, last)
			dst = append(dst, '.')
		}
		dst = appendTag(dst, sum[:], emailTagLen)
		if m.budget == 0 || len(dst)-start <= m.budget {
			break
		}
	}
	dst = append(dst, '@')
	return append(dst, m.domain...), nil
}

// reservedDomain reports whether d is reserved for documentation or testing
// (RFC 2606 / RFC 6761), so mail to it can never reach anyone.
func reservedDomain(d string) bool {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	for _, r := range []string{"example.com", "example.net", "example.org"} {
		if d == r || strings.HasSuffix(d, "."+r) {
			return true
		}
	}
	for _, tld := range []string{"example", "test", "invalid", "localhost"} {
		if d == tld || strings.HasSuffix(d, "."+tld) {
			return true
		}
	}
	return false
}

// validDomain checks host-name syntax: dot-separated labels of letters,
// digits and inner hyphens.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// CheckReservedDomain validates a configured domain for fake contact data:
// a valid host name reserved by RFC 2606 / RFC 6761.
func CheckReservedDomain(d string) error {
	if !validDomain(d) {
		return fmt.Errorf("%q is not a valid domain name", d)
	}
	if !reservedDomain(d) {
		return fmt.Errorf("domain %q is not reserved: use example.com, example.net, example.org or a name under .example, .test or .invalid (RFC 2606) so staging can never reach a real mailbox or host", d)
	}
	return nil
}

func init() {
	register(&Def{
		Name:    "email",
		Doc:     "a syntactically valid, unique-safe address at a reserved domain",
		Params:  []Param{{Name: "domain", Kind: ParamString, Doc: "reserved domain for the addresses (default: the rules file's email_domain)"}},
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			domain := cfg.String("domain", cfg.EmailDomain)
			if err := CheckReservedDomain(domain); err != nil {
				return nil, err
			}
			m := email{key: cfg.Key, domain: domain}
			if max := cfg.Column.MaxChars; max > 0 {
				m.budget = max - 1 - len(domain)
				if m.budget < emailTagLen {
					return nil, fmt.Errorf("%s is too short for addresses at %s (needs %d characters)", cfg.Column.TypeName(), domain, emailTagLen+1+len(domain))
				}
			}
			return m, nil
		},
	})
}
