package dump_test

import (
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
)

// Settings follow the dump; a SET inside a function body is not one.
func TestSettingsFollowTheDump(t *testing.T) {
	st, err := dump.NoSettings.After([]byte("SET client_encoding = 'UTF8';\nSELECT pg_catalog.set_config('search_path', '', false);\n" +
		"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$\nSET search_path = evil;\n$$;\nSET default_tablespace = '';\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "SET client_encoding = 'UTF8';\nSELECT pg_catalog.set_config('search_path', '', false);\nSET default_tablespace = '';"
	if st.SQL() != want {
		t.Fatalf("settings %q", st.SQL())
	}
	next, _ := st.After([]byte("SET default_tablespace = fast;\nSET LOCAL work_mem = '1GB';\n"))
	if !strings.HasSuffix(next.SQL(), "SET default_tablespace = fast;") || strings.Count(next.SQL(), "default_tablespace") != 1 || st.SQL() != want {
		t.Fatalf("after a change: %q (before: %q)", next.SQL(), st.SQL())
	}
	if same, _ := st.After([]byte("CREATE INDEX i ON t (a);\n")); same != st {
		t.Fatal("a statement without settings made new settings")
	}
}
