package masking

import (
	"bytes"
	"fmt"

	"github.com/understudy-db/understudy/internal/ascii"
)

// urlMasker rewrites a URL so that it can only point at a reserved domain:
// the scheme stays, userinfo, port and fragment are dropped, the host
// becomes "<tag>.<domain>" (eight characters of keyed hash of the original
// host, so one host keeps one stand-in), and every path segment and query
// value goes through the keyed shape bijection (query keys and %XX escapes
// are kept, so the URL stays well-formed). A value without "scheme://"
// becomes an https URL on the stand-in host with the value, masked the same
// way, as its path. A too-long result is cut to the column's length (the
// scheme becomes https if the original one leaves no room for the host).
// Outputs always differ from real URLs; one equals its input only if that
// already was this masker's output for its own host (probability 2^-40).
type urlMasker struct {
	key    *Key
	domain string
	max    int
}

const urlTagLen = 8

var schemeSep, httpsScheme = []byte("://"), []byte("https")

func (m urlMasker) Mask(_ *Scratch, dst, value []byte) ([]byte, error) {
	start := len(dst)
	scheme, host, rest := splitURL(value)
	if scheme == nil || m.max > 0 && len(scheme)+len(schemeSep)+urlTagLen+1+len(m.domain) > m.max {
		scheme = httpsScheme
	}
	dst = append(dst, scheme...)
	dst = append(dst, schemeSep...)
	sum := m.key.Sum2('h', host)
	dst = appendTag(dst, sum[:], urlTagLen)
	dst = append(dst, '.')
	dst = append(dst, m.domain...)
	if i := bytes.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	path, query, hasQuery := bytes.Cut(rest, []byte{'?'})
	if len(path) > 0 && path[0] != '/' {
		dst = append(dst, '/')
	}
	dst = m.appendMasked(dst, path)
	if hasQuery {
		dst = append(dst, '?')
		for more := true; more; {
			var param []byte
			param, query, more = bytes.Cut(query, []byte{'&'})
			if key, val, ok := bytes.Cut(param, []byte{'='}); ok {
				dst = append(dst, key...)
				dst = append(dst, '=')
				param = val
			}
			dst = m.appendMasked(dst, param)
			if more {
				dst = append(dst, '&')
			}
		}
	}
	full := len(dst)
	if dst = fit(dst, start, m.max); len(dst) < full {
		// A cut must not leave half a %XX escape behind.
		if dst[len(dst)-1] == '%' {
			dst = dst[:len(dst)-1]
		} else if dst[len(dst)-2] == '%' {
			dst = dst[:len(dst)-2]
		}
	}
	return dst, nil
}

// splitURL returns the scheme and host of scheme://[userinfo@]host[:port]
// and what follows the authority; a value without a scheme and "://" is all
// rest.
func splitURL(v []byte) (scheme, host, rest []byte) {
	i := bytes.Index(v, schemeSep)
	if i <= 0 || !validScheme(v[:i]) {
		return nil, nil, v
	}
	auth := v[i+len(schemeSep):]
	end := bytes.IndexAny(auth, "/?#")
	if end < 0 {
		end = len(auth)
	}
	auth, rest = auth[:end], auth[end:]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	if len(auth) > 0 && auth[0] == '[' { // IPv6 literal
		if rb := bytes.IndexByte(auth, ']'); rb >= 0 {
			auth = auth[:rb+1]
		}
	} else if colon := bytes.IndexByte(auth, ':'); colon >= 0 {
		auth = auth[:colon]
	}
	return v[:i], auth, rest
}

// validScheme checks RFC 3986 scheme syntax: a letter, then letters,
// digits, "+", "-" or ".".
func validScheme(s []byte) bool {
	for i, c := range s {
		r, _ := charClass(c)
		if r == 26 || i > 0 && (r == 10 || c == '+' || c == '-' || c == '.') {
			continue
		}
		return false
	}
	return true
}

// appendMasked shape-permutes each path segment of s separately, leaving
// slashes and %XX escapes in place.
func (m urlMasker) appendMasked(dst, s []byte) []byte {
	run := 0
	for i := 0; i < len(s); {
		n := 0
		switch {
		case s[i] == '/':
			n = 1
		case s[i] == '%' && i+2 < len(s) && ascii.IsHex(s[i+1]) && ascii.IsHex(s[i+2]):
			n = 3
		default:
			i++
			continue
		}
		dst = m.key.DerangeShape(dst, s[run:i], 0)
		dst = append(dst, s[i:i+n]...)
		i += n
		run = i
	}
	return m.key.DerangeShape(dst, s[run:], 0)
}

func init() {
	register(&Def{
		Name:    "url",
		Doc:     "the URL with its host replaced by one under a reserved domain and its path and query values masked",
		Params:  []Param{{Name: "domain", Kind: ParamString, Doc: "reserved domain for the hosts (default example.com)"}},
		Accepts: acceptText,
		New: func(cfg *Config) (Masker, error) {
			domain := cfg.String("domain", "example.com")
			if err := CheckReservedDomain(domain); err != nil {
				return nil, err
			}
			m := urlMasker{key: cfg.Key, domain: domain, max: cfg.Column.MaxChars}
			if need := len("https://") + urlTagLen + 1 + len(domain); m.max > 0 && m.max < need {
				return nil, fmt.Errorf("%s is too short for URLs at %s (needs %d characters)", cfg.Column.TypeName(), domain, need)
			}
			return m, nil
		},
	})
}
