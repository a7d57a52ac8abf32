// Package shopgen generates the "shop" fixture: a realistic online-shop
// database whose schema exercises what masking has to get right (self and
// composite foreign keys, keys on non-PK unique columns, uuid keys, enums, a
// CHECKed domain, a partitioned table, generated columns, quoted mixed-case
// names, personal data in jsonb, arrays and free text) and whose rows are a
// pure function of (seed, scale).
//
// Rows are rendered as COPY text and streamed, so any scale runs in
// constant memory (plus four bytes per user for address lookups), either
// into a live database (Load) or into a plain SQL file laid out like
// pg_dump's (WriteSQL).
package shopgen

import (
	_ "embed"
	"fmt"
)

// PreData creates types, the domain, tables and sequences: everything rows
// need before they can be loaded.
//
//go:embed predata.sql
var PreData string

// PostData adds primary keys, unique constraints, indexes and foreign keys,
// which are cheaper to build after the data is in (as pg_restore does).
//
//go:embed postdata.sql
var PostData string

// DefaultSeed is the seed of the committed fixture.
const DefaultSeed = 20240630

// MaxScale keeps usernames within varchar(24): beyond it a name
// combination would need a fourth digit of disambiguation.
const MaxScale = 100_000

// Config selects one deterministic database.
type Config struct {
	Seed int64
	// Scale multiplies every row count; 1 is the small fixture (about
	// 1.2 MB of COPY text) and the size grows linearly with it.
	Scale int
}

// Rows per unit of scale for the tables whose size is chosen directly; the
// others follow from them (items per order, events per session, ...).
const (
	usersPerScale     = 400
	productsPerScale  = 120
	ordersPerScale    = 850
	sessionsPerScale  = 450
	loginsPerScale    = 600
	giftCardsPerScale = 60
)

// The shop's timeline: users sign up from 2019 until a month before the
// snapshot, orders follow, and click-stream events cover the last half year
// (one partition per month).
var (
	usersStart    = daysFromCivil(2019, 1, 1) * microsPerDay
	usersEnd      = daysFromCivil(2024, 6, 1) * microsPerDay
	productsStart = daysFromCivil(2018, 6, 1) * microsPerDay
	productsEnd   = daysFromCivil(2024, 3, 1) * microsPerDay
	ordersStart   = daysFromCivil(2019, 2, 1) * microsPerDay
	giftStart     = daysFromCivil(2020, 11, 1) * microsPerDay
	eventsStart   = daysFromCivil(2024, 1, 1) * microsPerDay
	snapshotTime  = daysFromCivil(2024, 7, 1) * microsPerDay // exclusive end of all activity
)

const (
	refYear         = 2024
	eventPartitions = 6
)

// Generator produces the rows of one (seed, scale).
type Generator struct {
	cfgSeed    int64
	seed       uint64
	scale      int
	nUsers     int64
	nProducts  int64
	nOrders    int64
	nSessions  int64
	nLogins    int64
	nGiftCards int64
	// addrStart[u] is the id of user u's first address; addresses are
	// numbered user by user, so orders need it to pick one of the user's.
	addrStart []uint32
}

// New returns the generator for cfg.
func New(cfg Config) (*Generator, error) {
	if cfg.Scale < 1 || cfg.Scale > MaxScale {
		return nil, fmt.Errorf("scale %d out of range 1..%d", cfg.Scale, MaxScale)
	}
	s := int64(cfg.Scale)
	g := &Generator{
		cfgSeed:    cfg.Seed,
		seed:       mix64(uint64(cfg.Seed) ^ 0x5d0b_5e3d_a7a1_c0de),
		scale:      cfg.Scale,
		nUsers:     usersPerScale * s,
		nProducts:  productsPerScale * s,
		nOrders:    ordersPerScale * s,
		nSessions:  sessionsPerScale * s,
		nLogins:    loginsPerScale * s,
		nGiftCards: giftCardsPerScale * s,
	}
	g.addrStart = make([]uint32, g.nUsers+2)
	next := uint32(1)
	for u := int64(1); u <= g.nUsers; u++ {
		g.addrStart[u] = next
		next += uint32(g.addressCount(u))
	}
	g.addrStart[g.nUsers+1] = next
	return g, nil
}

func (g *Generator) addressCount(user int64) int {
	r := g.rng(sAddressCount, user)
	return 1 + r.pick(addressCountWeights)
}

var addressCountWeights = []int{68, 24, 8}

// Table is one relation whose rows the generator produces.
type Table struct {
	// Name is the relation's name in schema public, unquoted.
	Name string
	// Columns lists the loaded columns in COPY order; generated columns
	// are not among them.
	Columns []string
	// kb is the approximate COPY text per unit of scale, in kilobytes
	// (measured), used to start the biggest tables first.
	kb int
	// rows writes the table's rows and returns the largest id written,
	// for the table's sequence (0 when it has none).
	rows func(g *Generator, c *copyWriter) int64
}

// Tables returns the generated relations in load order. Partitions are
// listed instead of their partitioned parent, as pg_dump does.
func Tables() []Table {
	eventCols := []string{"id", "occurred_at", "user_id", "session_id", "kind", "payload", "ip"}
	ts := []Table{
		{"users", []string{"id", "email", "first_name", "last_name", "full_name", "display_name", "username", "phone", "birth_date", "national_id", "country", "status", "referred_by", "profile", "tags", "avatar", "last_login_ip", "website", "webhook_url", "password_hash", "notes", "created_at"}, 230, (*Generator).genUsers},
		{"addresses", []string{"id", "user_id", "street", "city", "postcode", "country", "company"}, 28, (*Generator).genAddresses},
		{"products", []string{"id", "sku", "name", "description", "category", "price", "stock", "is_active", "created_at"}, 21, (*Generator).genProducts},
		{"orders", []string{"id", "user_id", "shipping_address_id", "status", "currency", "total", "placed_at", "customer_ip"}, 70, (*Generator).genOrders},
		{"order_items", []string{"order_id", "line_no", "product_sku", "quantity", "unit_price"}, 55, (*Generator).genOrderItems},
		{"refunds", []string{"id", "order_id", "line_no", "amount", "reason", "created_at"}, 5, (*Generator).genRefunds},
		{"payments", []string{"id", "order_id", "method", "iban", "card_number", "card_holder", "amount", "currency", "paid_at"}, 100, (*Generator).genPayments},
		{"payment_events", []string{"id", "payment_id", "kind", "gateway_ref", "payload", "created_at"}, 280, (*Generator).genPaymentEvents},
		{"reviews", []string{"id", "user_id", "product_id", "rating", "title", "body", "created_at"}, 22, (*Generator).genReviews},
		{"support_tickets", []string{"id", "user_id", "order_id", "subject", "body", "cc_emails", "status", "opened_at"}, 20, (*Generator).genTickets},
		{"sessions", []string{"id", "user_id", "user_agent", "ip", "started_at"}, 88, (*Generator).genSessions},
	}
	for m := range eventPartitions {
		ts = append(ts, Table{fmt.Sprintf("events_2024_%02d", m+1), eventCols, 44, func(g *Generator, c *copyWriter) int64 {
			return g.genEvents(c, m)
		}})
	}
	return append(ts,
		Table{"login_attempts", []string{"email", "ip", "attempted_at", "success"}, 43, (*Generator).genLogins},
		Table{"GiftCards", []string{"cardCode", "recipientEmail", "isRedeemed", "balanceCents", "purchasedBy", "purchasedAt", "message"}, 6, (*Generator).genGiftCards},
		Table{"newsletter_subscriptions", []string{"email", "subscribed_at", "source", "confirmed"}, 10, (*Generator).genNewsletter},
	)
}

// sequence is a sequence whose value is set after the load: the largest id
// of its tables plus ahead, which mimics the ids that production burnt on
// rolled-back inserts and deleted rows.
type sequence struct {
	name   string
	tables []string
	ahead  int64
}

var sequences = []sequence{
	{"addresses_id_seq", []string{"addresses"}, 0},
	{"events_id_seq", []string{"events_2024_01", "events_2024_02", "events_2024_03", "events_2024_04", "events_2024_05", "events_2024_06"}, 0},
	{"orders_id_seq", []string{"orders"}, 7},
	{"payment_events_id_seq", []string{"payment_events"}, 0},
	{"products_id_seq", []string{"products"}, 0},
	{"refunds_id_seq", []string{"refunds"}, 0},
	{"reviews_id_seq", []string{"reviews"}, 0},
	{"support_tickets_id_seq", []string{"support_tickets"}, 0},
	{"users_id_seq", []string{"users"}, 23},
}

// sequenceValue returns the value to set for s given the largest id each
// table received.
func (s sequence) value(maxID map[string]int64) int64 {
	var v int64
	for _, t := range s.tables {
		v = max(v, maxID[t])
	}
	return max(v+s.ahead, 1)
}
