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
