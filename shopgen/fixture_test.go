package shopgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/understudy-db/understudy/internal/pgtest"
)

var fixturePath = filepath.Join("..", "testdata", "fixtures", "shop.sql")

// featureChecks are what the fixture exists for: each query counts the
// rows proving one feature is present and really used by data, and must
// return more than zero.
var featureChecks = []struct{ name, query string }{
	{"self-referencing FK", `SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = confrelid AND conrelid = 'public.users'::regclass`},
	{"self-referencing FK used", `SELECT count(*) FROM public.users WHERE referred_by IS NOT NULL`},
	{"composite FK to composite PK", `
		SELECT count(*) FROM pg_constraint f
		JOIN pg_constraint p ON p.conrelid = f.confrelid AND p.contype = 'p' AND p.conkey = f.confkey
		WHERE f.contype = 'f' AND cardinality(f.conkey) > 1`},
	{"composite FK used", `SELECT count(*) FROM public.refunds`},
	{"FK to UNIQUE non-PK text column", `
		SELECT count(*) FROM pg_constraint f
		JOIN pg_constraint u ON u.conrelid = f.confrelid AND u.contype = 'u' AND u.conkey = f.confkey
		JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = f.confkey[1]
		WHERE f.contype = 'f' AND a.atttypid IN ('text'::regtype, 'public.email_address'::regtype)`},
	{"FK to products.sku used", `SELECT count(*) FROM public.order_items`},
	{"FK to users.email (domain) used", `SELECT count(*) FROM public.newsletter_subscriptions`},
	{"uuid key referenced by FK", `
		SELECT count(*) FROM pg_constraint f
		JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = f.confkey[1]
		WHERE f.contype = 'f' AND a.atttypid = 'uuid'::regtype`},
	{"uuid FKs used", `SELECT count(*) FROM public.payment_events e JOIN public.payments p ON p.id = e.payment_id`},
	{"range-partitioned table", `SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'public.events'::regclass AND partstrat = 'r'`},
	{"six monthly partitions, every one with rows", `
		SELECT count(*) FROM (SELECT count(DISTINCT tableoid) AS n FROM public.events) e
		WHERE n >= 6 AND n = (SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.events'::regclass)`},
	{"FK from partitioned table to sessions", `SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'public.events'::regclass AND confrelid = 'public.sessions'::regclass`},
	{"enum order_status", `SELECT count(*) FROM pg_enum WHERE enumtypid = 'public.order_status'::regtype`},
	{"enum user_status", `SELECT count(*) FROM pg_enum WHERE enumtypid = 'public.user_status'::regtype`},
	{"every order status used", `SELECT count(*) FROM (SELECT count(DISTINCT status) AS n FROM public.orders) s WHERE n = 6`},
	{"domain with CHECK", `
		SELECT count(*) FROM pg_type t JOIN pg_constraint c ON c.contypid = t.oid AND c.contype = 'c'
		WHERE t.typtype = 'd' AND t.oid = 'public.email_address'::regtype`},
	{"domain used by users.email", `SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.users'::regclass AND attname = 'email' AND atttypid = 'public.email_address'::regtype`},
	{"domain holds real-looking emails", `SELECT count(*) FROM public.users WHERE email LIKE '%@gmail.com'`},
	{"domain holds example.com emails", `SELECT count(*) FROM public.users WHERE email LIKE '%@example.com'`},
	{"jsonb with personal data", `SELECT count(*) FROM public.users WHERE profile->'contacts'->0->>'value' = email::text AND profile->'address' ? 'street'`},
	{"jsonb in partitions", `SELECT count(*) FROM public.events WHERE payload ? 'email'`},
	{"text[] with values", `SELECT count(*) FROM public.users WHERE cardinality(tags) > 1`},
	{"text[] with a quoted element", `SELECT count(*) FROM public.users WHERE 'gift buyer' = ANY (tags)`},
	{"text[] of emails", `SELECT count(*) FROM public.support_tickets WHERE cardinality(cc_emails) > 0`},
	{"bytea", `SELECT count(*) FROM public.users WHERE avatar IS NOT NULL AND substr(avatar, 1, 4) = '\x89504e47'::bytea`},
	{"inet v4", `SELECT count(*) FROM public.users WHERE family(last_login_ip) = 4`},
	{"inet v6", `SELECT count(*) FROM public.sessions WHERE family(ip) = 6`},
	{"stored generated column", `SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.order_items'::regclass AND attgenerated = 's'`},
	{"generated column computed", `SELECT count(*) FROM public.order_items WHERE line_total = quantity * unit_price AND quantity > 1`},
	{"identity column", `SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.reviews'::regclass AND attidentity = 'd'`},
	{"table without primary key", `
		SELECT count(*) FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
		AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = c.oid AND contype = 'p')`},
	{"table without primary key has rows", `SELECT count(*) FROM public.login_attempts`},
	{"users sequence ahead of max(id)", `SELECT count(*) FROM pg_sequences WHERE schemaname = 'public' AND sequencename = 'users_id_seq' AND last_value > (SELECT max(id) FROM public.users)`},
	{"orders sequence ahead of max(id)", `SELECT count(*) FROM pg_sequences WHERE schemaname = 'public' AND sequencename = 'orders_id_seq' AND last_value > (SELECT max(id) FROM public.orders)`},
	{"quoted mixed-case table", `SELECT count(*) FROM pg_class WHERE relname = 'GiftCards' AND relnamespace = 'public'::regnamespace`},
	{"quoted mixed-case columns", `SELECT count(*) FROM pg_attribute WHERE attrelid = 'public."GiftCards"'::regclass AND attnum > 0 AND attname <> lower(attname)`},
	{"mixed-case table has rows", `SELECT count(*) FROM public."GiftCards" WHERE "purchasedBy" IS NOT NULL`},
	{"tight varchar/char personal columns", `
		SELECT count(*) FROM (SELECT count(*) AS n FROM pg_attribute
		WHERE attrelid = 'public.users'::regclass AND atttypmod > 0
		AND attname IN ('first_name', 'last_name', 'username', 'phone', 'national_id', 'country')) a WHERE n = 6`},
	{"first_name fills varchar(20)", `SELECT count(*) FROM public.users WHERE char_length(first_name) = 20`},
	{"last_name fills varchar(30)", `SELECT count(*) FROM public.users WHERE char_length(last_name) = 30`},
	{"postcode fills varchar(10)", `SELECT count(*) FROM public.addresses WHERE char_length(postcode) = 10`},
	{"national_id matches its CHECK", `SELECT count(*) FROM public.users WHERE national_id ~ '^[0-9]{3}-[0-9]{2}-[0-9]{4}$'`},
	{"valid IBANs", `SELECT count(*) FROM public.payments WHERE iban ~ '^(GB|DE|FR|NL|ES|IE)[0-9]{2}'`},
	{"card numbers with spaces", `SELECT count(*) FROM public.payments WHERE card_number LIKE '% %'`},
	{"card numbers without spaces", `SELECT count(*) FROM public.payments WHERE card_number ~ '^[0-9]{15,16}$'`},
	{"text with tab", `SELECT count(*) FROM public.products WHERE strpos(description, E'\t') > 0`},
	{"text with newline", `SELECT count(*) FROM public.products WHERE strpos(description, E'\n') > 0`},
	{"text with carriage return", `SELECT count(*) FROM public.support_tickets WHERE strpos(body, E'\r\n') > 0`},
	{"text with backslash", `SELECT count(*) FROM public.products WHERE strpos(description, '\') > 0`},
	{"text with literal \\N", `SELECT count(*) FROM public.products WHERE strpos(description, '\N') > 0`},
	{"non-ASCII text", `SELECT count(*) FROM public.products WHERE strpos(description, 'crème brûlée') > 0`},
	{"emoji", `SELECT count(*) FROM public.products WHERE strpos(description, '🎉') > 0`},
	{"non-ASCII personal names", `SELECT count(*) FROM public.users WHERE octet_length(last_name) > char_length(last_name)`},
	{"NULL phone", `SELECT count(*) FROM public.users WHERE phone IS NULL`},
	{"NULL birth_date", `SELECT count(*) FROM public.users WHERE birth_date IS NULL`},
	{"NULL national_id", `SELECT count(*) FROM public.users WHERE national_id IS NULL`},
	{"NULL and non-NULL notes", `SELECT count(*) FROM public.users WHERE notes IS NULL HAVING count(*) < (SELECT count(*) FROM public.users)`},
	{"NULL and non-NULL webhook_url", `SELECT count(*) FROM public.users WHERE webhook_url IS NULL HAVING count(*) < (SELECT count(*) FROM public.users)`},
	{"NULL and non-NULL website", `SELECT count(*) FROM public.users WHERE website IS NULL HAVING count(*) < (SELECT count(*) FROM public.users)`},
	{"ticket bodies quote their customer's email", `SELECT count(*) FROM public.support_tickets t JOIN public.users u ON u.id = t.user_id WHERE strpos(t.body, u.email) > 0`},
	{"ticket bodies quote their customer's phone", `SELECT count(*) FROM public.support_tickets t JOIN public.users u ON u.id = t.user_id WHERE strpos(t.body, u.phone) > 0`},
	{"ticket bodies quote a card number", `SELECT count(*) FROM public.support_tickets WHERE body ~ '[0-9]{4} [0-9]{4,6} [0-9]{4,5}'`},
	{"customers with many orders", `SELECT count(*) FROM (SELECT user_id FROM public.orders GROUP BY user_id HAVING count(*) >= 10) heavy`},
	{"orders spread over years", `SELECT count(*) FROM (SELECT DISTINCT extract(year FROM placed_at) FROM public.orders) y HAVING count(*) >= 5`},
}

// consistencyChecks must each return zero: the data agrees with itself the
// way production data does.
var consistencyChecks = []struct{ name, query string }{
	{"order totals equal the sum of their lines", `
		SELECT count(*) FROM public.orders o
		WHERE o.total <> (SELECT sum(line_total) FROM public.order_items i WHERE i.order_id = o.id)`},
	{"payments equal their order's total", `SELECT count(*) FROM public.payments p JOIN public.orders o ON o.id = p.order_id WHERE p.amount <> o.total`},
	{"orders ship to their customer's address", `SELECT count(*) FROM public.orders o JOIN public.addresses a ON a.id = o.shipping_address_id WHERE a.user_id <> o.user_id`},
	{"orders placed after sign-up", `SELECT count(*) FROM public.orders o JOIN public.users u ON u.id = o.user_id WHERE o.placed_at < u.created_at`},
	{"events belong to their session's user", `SELECT count(*) FROM public.events e JOIN public.sessions s ON s.id = e.session_id WHERE e.user_id IS DISTINCT FROM s.user_id`},
	{"every ticket quotes its customer's email", `SELECT count(*) FROM public.support_tickets t JOIN public.users u ON u.id = t.user_id WHERE strpos(t.body, u.email) = 0`},
	{"refunds only for refunded orders", `SELECT count(*) FROM public.refunds r JOIN public.orders o ON o.id = r.order_id WHERE o.status <> 'refunded'`},
}

// count runs a counting query; HAVING-filtered checks return no row at
// all when they fail, which counts as zero.
func count(ctx context.Context, conn *pgx.Conn, query string) (int64, error) {
	var n int64
	err := conn.QueryRow(ctx, query).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

func TestFixtureFeatures(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pgtest.Psql(t, url, fixturePath)
	ctx := context.Background()
	conn := pgtest.Connect(t, url)
	for _, c := range featureChecks {
		if n, err := count(ctx, conn, c.query); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if n == 0 {
			t.Errorf("%s: no rows", c.name)
		}
	}
	for _, c := range consistencyChecks {
		if n, err := count(ctx, conn, c.query); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if n != 0 {
			t.Errorf("%s: %d violations", c.name, n)
		}
	}
}

func TestFixtureSize(t *testing.T) {
	fi, err := os.Stat(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 2<<20 {
		t.Errorf("%s is %d bytes; keep the small fixture under 2 MB", fixturePath, fi.Size())
	}
}

// The committed dump must be what the current generator produces: every
// COPY block of shop.sql holds the generator's rows for that table, byte
// for byte. Row order is not compared: the server may place a short row in
// an earlier page's free space, so a dump is not in insertion order. When
// this fails, run `make fixture`.
func TestFixtureIsCurrent(t *testing.T) {
	blocks := readCopyBlocks(t, fixturePath)
	g, err := New(Config{Seed: DefaultSeed, Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range Tables() {
		var want bytes.Buffer
		c := newCopyWriter(&want)
		tbl.rows(g, c)
		c.flush()
		got, ok := blocks[tbl.copyStatement("stdin")+";"]
		if !ok {
			t.Errorf("%s: no COPY block in %s (statement %q)", tbl.Name, fixturePath, tbl.copyStatement("stdin"))
			continue
		}
		if !slices.Equal(sortedLines(got), sortedLines(want.Bytes())) {
			t.Errorf("%s: data in %s differs from the generator's; run `make fixture`", tbl.Name, fixturePath)
		}
	}
}

func sortedLines(b []byte) []string {
	lines := strings.SplitAfter(string(b), "\n")
	slices.Sort(lines)
	return lines
}

// readCopyBlocks maps each COPY statement of a plain dump to its data.
func readCopyBlocks(t *testing.T, path string) map[string][]byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	blocks := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var stmt string
	var data []byte
	for sc.Scan() {
		line := sc.Text()
		switch {
		case stmt == "" && strings.HasPrefix(line, "COPY "):
			stmt, data = line, []byte{}
		case stmt != "" && line == `\.`:
			blocks[stmt] = data
			stmt = ""
		case stmt != "":
			data = append(append(data, line...), '\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return blocks
}

// --out and --database must build the same database: same tables, same
// rows, same sequence values.
func TestOutMatchesDatabaseMode(t *testing.T) {
	fromFile, live := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	g, err := New(Config{Seed: 99, Scale: 2})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "shop.sql")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := g.WriteSQL(w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	pgtest.Psql(t, fromFile, file)

	ctx := context.Background()
	if err := g.Load(ctx, live, 3, nil); err != nil {
		t.Fatal(err)
	}

	queries := []string{
		`SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
		`SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'`,
		`SELECT sum(last_value) FROM pg_sequences WHERE schemaname = 'public'`,
	}
	for _, tbl := range append(Tables(), Table{Name: "events"}) {
		q := "public." + sqlName(tbl.Name)
		queries = append(queries,
			"SELECT count(*) FROM "+q,
			// A content fingerprint, independent of physical row order.
			"SELECT count(DISTINCT hashtext(t::text)) + sum(hashtext(t::text)::bigint) FROM "+q+" t")
	}
	fileConn, liveConn := pgtest.Connect(t, fromFile), pgtest.Connect(t, live)
	for _, q := range queries {
		a, err := count(ctx, fileConn, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		b, err := count(ctx, liveConn, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if a != b {
			t.Errorf("%s: %d from --out, %d from --database", q, a, b)
		}
		if a == 0 {
			t.Errorf("%s: zero", q)
		}
	}
}
