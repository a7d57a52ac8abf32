package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// corpusDir is the shared corpus of real dumps, beside the repository.
const corpusDir = "../../shared/corpus"

// loadDump builds a Catalog from corpus files (relative to corpusDir), fed
// statement by statement; it skips the test when the corpus is absent.
func loadDump(t testing.TB, files ...string) *Catalog {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("real-dump corpus not found at %s (../shared/corpus from the repository root): %v", corpusDir, err)
	}
	b := NewBuilder()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(corpusDir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range splitDump(string(data)) {
			if err := b.Add(stmt); err != nil {
				t.Fatalf("%s: %v in statement:\n%s", f, err, stmt)
			}
		}
	}
	return b.Catalog()
}

func tableNames(c *Catalog) []string {
	var out []string
	for _, t := range c.Tables {
		out = append(out, t.Name.String())
	}
	return out
}

// fkList renders every foreign key as "table(cols)->ref(cols)".
func fkList(c *Catalog) []string {
	var out []string
	for _, t := range c.Tables {
		for _, fk := range t.ForeignKeys {
			out = append(out, fmt.Sprintf("%s%v->%s%v", t.Name, fk.Columns, fk.RefTable, fk.RefColumns))
		}
	}
	slices.Sort(out)
	return out
}

func TestPagila(t *testing.T) {
	c := loadDump(t, "pagila/pg15/pagila.plain.sql")
	want := []string{"public.customer", "public.actor", "public.category", "public.film", "public.film_actor",
		"public.film_category", "public.address", "public.city", "public.country", "public.inventory",
		"public.language", "public.payment", "public.payment_p2022_01", "public.payment_p2022_02",
		"public.payment_p2022_03", "public.payment_p2022_04", "public.payment_p2022_05", "public.payment_p2022_06",
		"public.payment_p2022_07", "public.rental", "public.staff", "public.store"}
	if got := tableNames(c); !reflect.DeepEqual(got, want) {
		t.Fatalf("tables (%d):\n%v\nwant (%d):\n%v", len(got), got, len(want), want)
	}
	if c.Table(QName{"public", "rental_by_category"}) != nil || c.Table(QName{"public", "actor_info"}) != nil {
		t.Error("views are not tables")
	}

	payment := table(t, c, "payment")
	if !payment.Partitioned || payment.Parent != nil {
		t.Errorf("payment: partitioned %v, parent %v", payment.Partitioned, payment.Parent)
	}
	p1 := table(t, c, "payment_p2022_01")
	if p1.Parent == nil || *p1.Parent != payment.Name || p1.Partitioned {
		t.Errorf("payment_p2022_01 parent %v", p1.Parent)
	}
	if parts := c.Partitions(payment.Name); len(parts) != 7 || parts[0] != p1 || parts[6].Name.Name != "payment_p2022_07" {
		t.Errorf("Partitions(payment) = %d tables", len(parts))
	}
	if got := fmt.Sprint(fkList(&Catalog{Tables: []*Table{p1}})); got != "[public.payment_p2022_01[customer_id]->public.customer[customer_id] public.payment_p2022_01[rental_id]->public.rental[rental_id] public.payment_p2022_01[staff_id]->public.staff[staff_id]]" {
		t.Errorf("partition FKs %s", got)
	}
	if !reflect.DeepEqual(payment.PrimaryKey, plainKey("payment_pkey", "payment_date", "payment_id")) {
		t.Errorf("payment PK %+v", payment.PrimaryKey)
	}

	if e := c.Enums[QName{"public", "mpaa_rating"}]; e == nil || !reflect.DeepEqual(e.Labels, []string{"G", "PG", "PG-13", "R", "NC-17"}) {
		t.Errorf("mpaa_rating = %+v", e)
	}
	year := c.Domains[QName{"public", "year"}]
	if year == nil || !year.Base.Equal(pg("int4")) || len(year.Checks) != 1 || year.Checks[0].Name != "year_check" ||
		year.Checks[0].Expr != "value >= 1901 AND value <= 2155" || year.Checks[0].Pattern != "" {
		t.Errorf("domain year = %+v", year)
	}
	if d := c.Domains[QName{"public", "bıgınt"}]; d == nil || !d.Base.Equal(pg("int8")) || len(d.Checks) != 0 {
		t.Errorf(`domain "bıgınt" = %+v`, d)
	}

	if pk := table(t, c, "customer").PrimaryKey; !reflect.DeepEqual(pk, plainKey("customer_pkey", "customer_id")) {
		t.Errorf("customer PK %+v", pk)
	}
	rental := table(t, c, "rental")
	wantFK := []*ForeignKey{
		{Name: "rental_customer_id_fkey", Columns: []string{"customer_id"}, RefTable: QName{"public", "customer"}, RefColumns: []string{"customer_id"}, key: "customer_pkey"},
		{Name: "rental_inventory_id_fkey", Columns: []string{"inventory_id"}, RefTable: QName{"public", "inventory"}, RefColumns: []string{"inventory_id"}, key: "inventory_pkey"},
		{Name: "rental_staff_id_fkey", Columns: []string{"staff_id"}, RefTable: QName{"public", "staff"}, RefColumns: []string{"staff_id"}, key: "staff_pkey"},
	}
	if !reflect.DeepEqual(rental.ForeignKeys, wantFK) {
		t.Errorf("rental FKs %v", fkList(&Catalog{Tables: []*Table{rental}}))
	}
	if !reflect.DeepEqual(rental.Uniques, []*Key{plainKey("idx_unq_rental_rental_date_inventory_id_customer_id", "rental_date", "inventory_id", "customer_id")}) {
		t.Errorf("rental uniques %+v", rental.Uniques)
	}
	if u := table(t, c, "store").Uniques; len(u) != 1 || u[0].Name != "idx_unq_manager_staff_id" {
		t.Errorf("store uniques %+v", u)
	}
	// customer is referenced by rental and by partitions 01..06 (the dump
	// declares no foreign keys on payment_p2022_07).
	if refs := c.Referencing(QName{"public", "customer"}); len(refs) != 7 {
		t.Errorf("Referencing(customer) = %d FKs, want 7", len(refs))
	}
	if n := len(fkList(c)); n != 36 {
		t.Errorf("%d foreign keys, want 36", n)
	}

	film := table(t, c, "film")
	for col, want := range map[string]string{
		"special_features": "text[]", "rating": "public.mpaa_rating", "release_year": "public.year",
		"rental_rate": "numeric(4,2)", "fulltext": "tsvector", "last_update": "timestamp with time zone",
		"rental_duration": "smallint",
	} {
		if got := column(t, film, col).Type.String(); got != want {
			t.Errorf("film.%s type %s, want %s", col, got, want)
		}
	}
	if ft := column(t, film, "special_features").Type; ft.ArrayDims != 1 || !ft.Equal(Type{Schema: "pg_catalog", Name: "text", ArrayDims: 1}) {
		t.Errorf("special_features %#v", ft)
	}
	if base, doms := c.ResolveType(column(t, film, "release_year").Type); !base.Equal(pg("int4")) || len(doms) != 1 || doms[0] != year {
		t.Errorf("ResolveType(release_year) = %v %v", base, doms)
	}
	if r := column(t, film, "rating"); r.Default != "'G'::public.mpaa_rating" {
		t.Errorf("film.rating default %q", r.Default)
	}
	if got := column(t, table(t, c, "staff"), "picture").Type; !got.Equal(pg("bytea")) {
		t.Errorf("staff.picture %v", got)
	}
	if got := column(t, table(t, c, "language"), "name").Type; !got.Equal(pg("bpchar", 20)) {
		t.Errorf("language.name %v", got)
	}

	actorID := column(t, table(t, c, "actor"), "actor_id")
	seqName := QName{"public", "actor_actor_id_seq"}
	if actorID.Sequence == nil || *actorID.Sequence != seqName || !actorID.NotNull ||
		actorID.Default != "nextval('public.actor_actor_id_seq'::regclass)" {
		t.Errorf("actor.actor_id = %+v", actorID)
	}
	seq := c.Sequences[seqName]
	if seq == nil || seq.OwnedBy == nil || *seq.OwnedBy != (ColumnRef{QName{"public", "actor"}, "actor_id"}) ||
		!seq.Type.Equal(pg("int8")) || seq.Start != 1 || seq.Max != 1<<63-1 {
		t.Errorf("actor_actor_id_seq = %+v", seq)
	}
	if len(c.Sequences) != 13 {
		t.Errorf("%d sequences, want 13", len(c.Sequences))
	}
	// The partitions share the parent's sequence, which the parent owns.
	if s := c.Sequences[QName{"public", "payment_payment_id_seq"}]; s.OwnedBy.Table != payment.Name ||
		*column(t, p1, "payment_id").Sequence != s.Name {
		t.Errorf("payment sequence %+v", s)
	}
}

// The same database dumped by other means must give the same model.
func TestPagilaVariants(t *testing.T) {
	base := loadDump(t, "pagila/pg15/pagila.plain.sql")
	for _, f := range []string{"pagila/pg17/pagila.plain.sql", "pagila/pg15/pagila.inserts.sql"} {
		if c := loadDump(t, f); !reflect.DeepEqual(c, base) {
			t.Errorf("%s differs from the pg15 plain dump", f)
		}
	}
	// The original pagila files predate the partition primary keys.
	orig := loadDump(t, "pagila/original/pagila-schema.sql", "pagila/original/pagila-data.sql")
	if !reflect.DeepEqual(tableNames(orig), tableNames(base)) {
		t.Errorf("original pagila tables %v", tableNames(orig))
	}
	if !reflect.DeepEqual(fkList(orig), fkList(base)) {
		t.Errorf("original pagila FKs differ:\n%v\n%v", fkList(orig), fkList(base))
	}
}

func TestChinook(t *testing.T) {
	c := loadDump(t, "chinook/pg15/chinook.plain.sql")
	if n := len(c.Tables); n != 11 {
		t.Errorf("%d tables, want 11: %v", n, tableNames(c))
	}
	want := []string{
		"public.album[artist_id]->public.artist[artist_id]",
		"public.customer[support_rep_id]->public.employee[employee_id]",
		"public.employee[reports_to]->public.employee[employee_id]",
		"public.invoice[customer_id]->public.customer[customer_id]",
		"public.invoice_line[invoice_id]->public.invoice[invoice_id]",
		"public.invoice_line[track_id]->public.track[track_id]",
		"public.playlist_track[playlist_id]->public.playlist[playlist_id]",
		"public.playlist_track[track_id]->public.track[track_id]",
		"public.track[album_id]->public.album[album_id]",
		"public.track[genre_id]->public.genre[genre_id]",
		"public.track[media_type_id]->public.media_type[media_type_id]",
	}
	if got := fkList(c); !reflect.DeepEqual(got, want) {
		t.Errorf("FKs:\n%v\nwant\n%v", got, want)
	}
	customer := table(t, c, "customer")
	for col, want := range map[string]Type{
		"first_name": pg("varchar", 40), "last_name": pg("varchar", 20), "email": pg("varchar", 60),
		"customer_id": pg("int4"), "support_rep_id": pg("int4"),
	} {
		if got := column(t, customer, col).Type; !got.Equal(want) {
			t.Errorf("customer.%s = %#v, want %#v", col, got, want)
		}
	}
	if s := column(t, customer, "first_name").Type.String(); s != "character varying(40)" {
		t.Errorf("String() = %q", s)
	}
	if !column(t, customer, "email").NotNull || column(t, customer, "company").NotNull {
		t.Error("NOT NULL flags wrong")
	}
	if got := column(t, table(t, c, "invoice"), "total").Type; !got.Equal(pg("numeric", 10, 2)) {
		t.Errorf("invoice.total %v", got)
	}
	if got := column(t, table(t, c, "employee"), "birth_date").Type; !got.Equal(pg("timestamp")) {
		t.Errorf("employee.birth_date %v", got)
	}
	if pk := table(t, c, "playlist_track").PrimaryKey; !reflect.DeepEqual(pk.Columns, []string{"playlist_id", "track_id"}) {
		t.Errorf("playlist_track PK %+v", pk)
	}

	if pg17 := loadDump(t, "chinook/pg17/chinook.plain.sql"); !reflect.DeepEqual(pg17, c) {
		t.Error("the PG17 dump of chinook gives a different model than the PG15 one")
	}
}

func TestNeonChinook(t *testing.T) {
	c := loadDump(t, "chinook/neon-chinook.pg15_2.plain.sql")
	if n := len(c.Tables); n != 11 {
		t.Errorf("%d tables", n)
	}
	emp := c.Table(QName{"public", "Employee"})
	if emp == nil || c.Table(QName{"public", "employee"}) != nil {
		t.Fatalf("CamelCase names must be kept: %v", tableNames(c))
	}
	if emp.Name.String() != `public."Employee"` || emp.Column("EmployeeId") == nil || emp.Column("employeeid") != nil {
		t.Errorf("Employee = %s %v", emp.Name, emp.Columns)
	}
	if !reflect.DeepEqual(emp.PrimaryKey, plainKey("PK_Employee", "EmployeeId")) {
		t.Errorf("PK %+v", emp.PrimaryKey)
	}
	refs := c.Referencing(emp.Name)
	var got []string
	for _, r := range refs {
		got = append(got, r.Table.Name.Name+"."+r.FK.Name)
	}
	if !reflect.DeepEqual(got, []string{"Customer.FK_CustomerSupportRepId", "Employee.FK_EmployeeReportsTo"}) {
		t.Errorf("Referencing(Employee) = %v", got)
	}
	if n := len(fkList(c)); n != 11 {
		t.Errorf("%d FKs, want 11", n)
	}
	q, err := ParseQName(`public."InvoiceLine"`)
	if err != nil || c.Table(q) == nil {
		t.Errorf("rules-style lookup of %s failed", q)
	}
}

func TestNorthwind(t *testing.T) {
	c := loadDump(t, "northwind/northwind.sql")
	want := []string{"public.categories", "public.customer_customer_demo", "public.customer_demographics",
		"public.customers", "public.employees", "public.employee_territories", "public.order_details",
		"public.orders", "public.products", "public.region", "public.shippers", "public.suppliers",
		"public.territories", "public.us_states"}
	if got := tableNames(c); !reflect.DeepEqual(got, want) {
		t.Errorf("tables %v", got)
	}
	emp := table(t, c, "employees")
	if refs := c.Referencing(emp.Name); !slices.ContainsFunc(refs, func(r *FKRef) bool {
		return r.Table == emp && reflect.DeepEqual(r.FK, &ForeignKey{Name: "fk_employees_employees",
			Columns: []string{"reports_to"}, RefTable: emp.Name, RefColumns: []string{"employee_id"}, key: "pk_employees"})
	}) {
		t.Errorf("employees.reports_to self-reference missing")
	}
	if pk := table(t, c, "order_details").PrimaryKey; !reflect.DeepEqual(pk, plainKey("pk_order_details", "order_id", "product_id")) {
		t.Errorf("order_details PK %+v", pk)
	}
	// REFERENCES shippers, with no column list, means the primary key.
	orders := table(t, c, "orders")
	i := slices.IndexFunc(orders.ForeignKeys, func(fk *ForeignKey) bool { return fk.Name == "fk_orders_shippers" })
	if i < 0 || !reflect.DeepEqual(orders.ForeignKeys[i].RefColumns, []string{"shipper_id"}) {
		t.Errorf("orders FKs %v", fkList(&Catalog{Tables: []*Table{orders}}))
	}
	if n := len(fkList(c)); n != 13 {
		t.Errorf("%d FKs, want 13", n)
	}
	if got := column(t, table(t, c, "order_details"), "unit_price").Type; !got.Equal(pg("float4")) {
		t.Errorf("unit_price %v", got)
	}
}

func TestNXSAndNetflix(t *testing.T) {
	lf := loadDump(t, "nxs/pg16_3.jsonb-xml.plain.sql")
	if crlf := loadDump(t, "nxs/pg16_3.jsonb-xml.crlf.plain.sql"); !reflect.DeepEqual(crlf, lf) {
		t.Error("CRLF line ends change the model")
	}
	lt := table(t, lf, "list_types")
	id := column(t, lt, "id")
	seq := QName{"public", "list_types_id_seq"}
	if id.Sequence == nil || *id.Sequence != seq || !id.Type.Equal(pg("int8")) {
		t.Errorf("list_types.id = %+v", id)
	}
	if s := lf.Sequences[seq]; s == nil || *s.OwnedBy != (ColumnRef{lt.Name, "id"}) {
		t.Errorf("OWNED BY not applied: %+v", s)
	}
	for col, want := range map[string]string{"xml_type": "xml", "jsonb_type": "jsonb", "time_tz_type": "time with time zone",
		"varchar_type": "character varying", "double_precision_type": "double precision", "numeric_type": "numeric"} {
		if got := column(t, lt, col).Type.String(); got != want {
			t.Errorf("%s = %s, want %s", col, got, want)
		}
	}
	netflix := loadDump(t, "netflix/netflix.sql")
	if got := tableNames(netflix); !reflect.DeepEqual(got, []string{"public.netflix_shows"}) || len(netflix.Tables[0].Columns) != 12 {
		t.Errorf("netflix tables %v", got)
	}
}

// BenchmarkPagila measures Add over a whole dump, nearly all of which the
// first-keyword filter skips.
func BenchmarkPagila(b *testing.B) {
	if _, err := os.Stat(corpusDir); err != nil {
		b.Skipf("corpus not found at %s", corpusDir)
	}
	data, err := os.ReadFile(filepath.Join(corpusDir, "pagila/pg15/pagila.inserts.sql"))
	if err != nil {
		b.Fatal(err)
	}
	stmts := splitDump(string(data))
	b.ResetTimer()
	for range b.N {
		bl := NewBuilder()
		for _, s := range stmts {
			if err := bl.Add(s); err != nil {
				b.Fatal(err)
			}
		}
		bl.Catalog()
	}
	b.ReportMetric(float64(len(stmts)*b.N)/b.Elapsed().Seconds(), "stmts/s")
}
