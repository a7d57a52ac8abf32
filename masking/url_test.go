package masking

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var sampleURLs = []string{
	"https://alice:pw@shop.acme.com:8443/users/4711/orders?id=42&email=alice%40gmail.com#top",
	"http://example.org",
	"https://hooks.slack.com/services/T000/B000/XXXX",
	"www.facebook.com/alice.smith",
	"ftp://[2001:db8::1]:21/pub/file.txt",
}

func init() {
	conformanceCases = append(conformanceCases,
		conformanceCase{spec: Spec{Name: "url"}, col: col(CatText, "text"), values: sampleURLs},
		conformanceCase{spec: Spec{Name: "url", Params: map[string]any{"domain": "hooks.test"}}, col: col(CatText, "varchar", 40), values: sampleURLs},
	)
}

var (
	urlHost    = regexp.MustCompile(`^[a-z2-7]{8}\.example\.com$`)
	halfEscape = regexp.MustCompile(`%[0-9A-Fa-f]?$`)
)

func TestURLRewritesHostAndMasksPath(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "url"}, c, testOptions("s"))
	letters, digits := regexp.MustCompile(`[a-zA-Z]`), regexp.MustCompile(`[0-9]`)
	shape := func(s string) string { return digits.ReplaceAllString(letters.ReplaceAllString(s, "x"), "d") }
	for _, tc := range []struct{ in, prefix, path, query string }{
		{sampleURLs[0], "https://", "/xxxxx/dddd/xxxxxx", "xx=dd&xxxxx=xxxxx%ddxxxxx.xxx"},
		{"HTTP://Example.COM", "HTTP://", "", ""},
		{"https://x.io/a-b/c_d.html?q", "https://", "/x-x/x_x.xxxx", "x"},
		{"www.facebook.com/alice.smith", "https://", "/xxx.xxxxxxxx.xxx/xxxxx.xxxxx", ""},
		{"mailto:bob@corp.com", "https://", "/xxxxxx:xxx@xxxx.xxx", ""},
		{"ftp://[2001:db8::1]:21/pub/file.txt", "ftp://", "/xxx/xxxx.xxx", ""},
	} {
		out, _ := maskString(t, m, c, tc.in)
		u, err := url.Parse(out)
		if err != nil {
			t.Errorf("%q -> %q: %v", tc.in, out, err)
			continue
		}
		if !strings.HasPrefix(out, tc.prefix) || !urlHost.MatchString(u.Host) || u.User != nil || u.Fragment != "" ||
			shape(u.EscapedPath()) != tc.path || shape(u.RawQuery) != tc.query {
			t.Errorf("%q -> %q", tc.in, out)
		}
		if strings.Contains(out, "alice") || strings.Contains(out, "acme") || strings.Contains(out, "gmail") {
			t.Errorf("%q -> %q leaks", tc.in, out)
		}
	}
	// Query keys stay, one host keeps one stand-in.
	a, _ := maskString(t, m, c, "https://shop.acme.com/a?user=1&page=2")
	b, _ := maskString(t, m, c, "https://bob@shop.acme.com:80/b")
	if !strings.Contains(a, "?user=") || !strings.Contains(a, "&page=") || a[:len("https://")+8] != b[:len("https://")+8] {
		t.Errorf("%q, %q", a, b)
	}
}

func TestURLFitsAndChecksDomain(t *testing.T) {
	c := col(CatText, "varchar", 30)
	m := mustBuild(t, &Spec{Name: "url"}, c, testOptions("s"))
	for _, in := range []string{"https://a.b/%41%42%43%44%45%46%47%48%49", "chrome-extension://abcdef/popup.html"} {
		out, _ := maskString(t, m, c, in)
		u, err := url.Parse(out)
		if err != nil || len(out) > 30 || u.Scheme != "https" || !urlHost.MatchString(u.Host) || halfEscape.MatchString(out) {
			t.Errorf("%q -> %q (%v)", in, out, err)
		}
	}
	// A cut inside an escape drops what it left of it: 29 characters up to
	// the "/", then "%41" cut after one or two of its characters.
	for max, want := range map[int32]int{29: 29, 30: 29, 31: 29, 32: 32} {
		c := col(CatText, "varchar", max)
		m := mustBuild(t, &Spec{Name: "url"}, c, testOptions("s"))
		out, _ := maskString(t, m, c, "https://a.b/%41%42")
		if len(out) != want || halfEscape.MatchString(out) {
			t.Errorf("varchar(%d): %q, want %d characters", max, out, want)
		}
	}
	for _, tc := range []struct {
		spec Spec
		col  *Column
		want string
	}{
		{Spec{Name: "url", Params: map[string]any{"domain": "evil.com"}}, col(CatText, "text"), "not reserved"},
		{Spec{Name: "url"}, col(CatText, "varchar", 27), "too short"},
	} {
		if _, err := Build(&tc.spec, tc.col, testOptions("s")); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s on %s: %v", tc.spec.Label(), tc.col.TypeName(), err)
		}
	}
}

// TestURLEdges: empty authorities, userinfo and fragments at the very
// start, a scheme that just fits the column, and uncut trailing percents.
func TestURLEdges(t *testing.T) {
	c := col(CatText, "text")
	m := mustBuild(t, &Spec{Name: "url"}, c, testOptions("s"))
	mask := func(in string) string { out, _ := maskString(t, m, c, in); return out }
	for _, pair := range [][2]string{
		{"https://host#top", "https://host"},
		{"https://host/#top", "https://host/"},
		{"https://@host/x", "https://host/x"},
		{"https://u@host:1/x", "https://host/x"},
		{"https://[::1]:8080/x", "https://[::1]/x"},
	} {
		if a, b := mask(pair[0]), mask(pair[1]); a != b {
			t.Errorf("%q -> %q, but %q -> %q", pair[0], a, pair[1], b)
		}
	}
	for in, re := range map[string]string{
		"file:///etc/passwd": `^file://[a-z2-7]{8}\.example\.com/[a-z]{3}/[a-z]{6}$`,
		"://host/p":          `^https://[a-z2-7]{8}\.example\.com/://[a-z]{4}/[a-z]$`,
		"https://h/50%":      `^https://[a-z2-7]{8}\.example\.com/\d\d%$`,
		"https://h/a%4":      `^https://[a-z2-7]{8}\.example\.com/[a-z]%\d$`,
		"https://h/%41x":     `^https://[a-z2-7]{8}\.example\.com/%41[a-z]$`,
		"https://h?a=1&b":    `^https://[a-z2-7]{8}\.example\.com\?a=\d&[a-z]$`,
	} {
		if out := mask(in); !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("%q -> %q, want %s", in, out, re)
		}
	}
	// svn+ssh:// and a stand-in host need 7+3+8+1+11 = 30 characters.
	for max, scheme := range map[int32]string{31: "svn+ssh://", 30: "svn+ssh://", 29: "https://", 28: "https://"} {
		c := col(CatText, "varchar", max)
		m := mustBuild(t, &Spec{Name: "url"}, c, testOptions("s"))
		out, _ := maskString(t, m, c, "svn+ssh://host/repository")
		if !strings.HasPrefix(out, scheme) || len(out) > int(max) || halfEscape.MatchString(out) {
			t.Errorf("varchar(%d): %q, want scheme %s", max, out, scheme)
		}
	}
	for in, ok := range map[string]bool{"a": true, "A1+-.": true, "z9": true, "Z": true, "1a": false, "+a": false, "a b": false, "a_b": false, "": true} {
		if got := validScheme([]byte(in)); got != ok {
			t.Errorf("validScheme(%q) = %v", in, got)
		}
	}
}

func TestSplitURL(t *testing.T) {
	for _, tc := range []struct{ in, scheme, host, rest string }{
		{"http://:8080/x", "http", "", "/x"},
		{"https://u:p@[::1]:5432/db?x#y", "https", "[::1]", "/db?x#y"},
		{"ftp://h.example:21", "ftp", "h.example", ""},
		{"svn+ssh://a@b@host.example#frag", "svn+ssh", "host.example", "#frag"},
		{"mailto:jane@corp.example", "", "", "mailto:jane@corp.example"},
		{"://host/x", "", "", "://host/x"},
		{"1http://host/x", "", "", "1http://host/x"},
	} {
		s, h, r := splitURL([]byte(tc.in))
		if string(s) != tc.scheme || string(h) != tc.host || string(r) != tc.rest {
			t.Errorf("%q: got %q %q %q", tc.in, s, h, r)
		}
	}
}
