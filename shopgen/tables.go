package shopgen

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unicode/utf8"
)

// One generator per table. Child tables walk their parents (orders for
// items, payments, refunds, reviews and tickets; sessions for events) and
// recompute the parent from its id, so every table streams on its own and
// still agrees with the others: totals match items, tickets quote their
// customer's real email, events belong to their session's user.

var (
	orderStatusLabels  = []string{"pending", "paid", "shipped", "delivered", "cancelled", "refunded"}
	userStatusLabels   = []string{"active", "pending_verification", "suspended", "closed"}
	userStatusWeights  = []int{880, 50, 20, 50}
	ticketStatusLabels = []string{"open", "waiting_on_customer", "resolved", "closed"}
)

const (
	statusPending = iota
	statusPaid
	statusShipped
	statusDelivered
	statusCancelled
	statusRefunded
)

// uuid returns a version-4 layout uuid that is unique per (stream, idx):
// its last 48 bits are a bijection of idx, the rest is random.
func (g *Generator) uuid(stream uint64, idx int64) (u [16]byte) {
	r := g.rng(stream, idx)
	binary.BigEndian.PutUint64(u[0:8], r.next())
	u[6] = 0x40 | u[6]&0x0f
	mid := r.next()
	u[8] = 0x80 | byte(mid)&0x3f
	u[9] = byte(mid >> 8)
	tail := permute(uint64(idx), 1<<48, g.seed^stream)
	for i := 15; i >= 10; i-- {
		u[i] = byte(tail)
		tail >>= 8
	}
	return u
}

// scratch returns a reusable buffer big enough for any one value, so the
// row loops do not allocate.
func scratch() []byte { return make([]byte, 0, 1024) }

// spread places item i of n evenly in [from, to) with jitter inside its
// slot, so ids and timestamps rise together as they do in a real table.
func spread(r *rng, i, n, from, to int64) int64 {
	step := (to - from) / n
	return from + i*step + int64(r.intn(int(step)))
}

// growing places item i of n in [from, to) so that the rate rises linearly
// over time, as a growing shop's order volume does: the position is the
// square root of the (jittered) fraction i/n. Order is preserved.
func growing(r *rng, i, n, from, to int64) int64 {
	frac := (uint64(i)<<32 + r.next()>>32) / uint64(n) // i/n in 32.32 fixed point
	root := isqrt(frac << 32)                          // sqrt(i/n) in 0.32 fixed point
	hi, lo := bits.Mul64(uint64(to-from), root)
	return from + int64(hi<<32|lo>>32)
}

// isqrt is the integer square root, exact whatever the platform's
// floating point does.
func isqrt(x uint64) uint64 {
	r := uint64(math.Sqrt(float64(x)))
	for r*r > x {
		r--
	}
	for r+1 < 1<<32 && (r+1)*(r+1) <= x {
		r++
	}
	return r
}

// pickUser draws a user who already existed at time t. Early customers
// have had longer to buy, and a loyal minority (ids ≡ 1 mod 13) buys far
// more than the rest: the skew real shops show.
func (g *Generator) pickUser(r *rng, t int64) int64 {
	u := 1 + int64(r.intn(int(g.usersBefore(t))))
	if r.chance(300) {
		u -= (u - 1) % 13
	}
	return u
}

// appendRandomEmail writes the address of someone who is not (necessarily)
// a customer: gift recipients, mistyped logins. It also returns their
// first name.
func appendRandomEmail(dst []byte, r *rng) ([]byte, string) {
	first := r.intn(len(firstNames))
	dst = append(dst, names.first[first]...)
	dst = append(dst, '.')
	dst = append(dst, names.last[r.intn(len(lastNames))]...)
	dst = appendDigits(dst, r, 2)
	dst = append(dst, '@')
	return append(dst, emailDomains[r.pick(emailDomainWeights)]...), firstNames[first]
}

func (g *Generator) genUsers(c *copyWriter) int64 {
	email, phone, buf, street, postcode := scratch(), scratch(), scratch(), scratch(), scratch()
	for id := int64(1); id <= g.nUsers; id++ {
		p := g.person(id)
		r := g.rng(sPersonExtra, id)
		email = p.appendEmail(email[:0])
		phone = phone[:0]
		if p.hasPhone {
			phone = g.appendPhone(phone, &p)
		}

		c.int(id)
		c.textBytes(email)
		c.text(p.firstName())
		c.text(p.lastName())
		c.textBytes(p.appendFullName(buf[:0]))
		switch r.pick(displayNameWeights) {
		case 0:
			buf = append(buf[:0], p.firstName()...)
			initial, _ := utf8.DecodeRuneInString(p.lastName())
			buf = utf8.AppendRune(append(buf, ' '), initial)
			c.textBytes(append(buf, '.'))
		case 1:
			c.text(p.nickname())
		case 2:
			c.textBytes(p.appendUsername(buf[:0]))
		default:
			c.null()
		}
		c.textBytes(p.appendUsername(buf[:0]))
		c.textOrNull(phone)
		if p.hasBirth {
			c.date(p.birth)
		} else {
			c.null()
		}
		if r.chance(70) {
			c.null()
		} else {
			area := r.rangeIn(1, 898)
			if area >= 666 {
				area++
			}
			buf = appendPadded(buf[:0], int64(area), 3)
			buf = appendPadded(append(buf, '-'), int64(r.rangeIn(1, 99)), 2)
			buf = appendPadded(append(buf, '-'), int64(r.rangeIn(1, 9999)), 4)
			c.rawBytes(buf)
		}
		c.raw(countries[p.country].code)
		c.raw(userStatusLabels[r.pick(userStatusWeights)])
		if id > 1 && r.chance(180) {
			c.int(1 + int64(r.intn(int(id-1))))
		} else {
			c.null()
		}

		// profile: keys in jsonb order (by length, then bytes).
		var city string
		city, _, street, postcode = g.address(int64(g.addrStart[id]), &p, street[:0], postcode[:0])
		if r.chance(50) {
			c.raw("{}")
		} else {
			buf = append(buf[:0], '{')
			buf = appendJSONKey(buf, "address")
			buf = appendJSONKey(append(buf, '{'), "city")
			buf = appendJSONString(buf, city)
			buf = appendJSONKey(append(buf, ", "...), "street")
			buf = appendJSONString(buf, street)
			buf = appendJSONKey(append(buf, ", "...), "postcode")
			buf = appendJSONString(buf, postcode)
			buf = appendJSONKey(append(buf, "}, "...), "contacts")
			buf = appendJSONKey(append(buf, "[{"...), "type")
			buf = appendJSONKey(append(buf, `"email", `...), "value")
			buf = appendJSONString(buf, email)
			if p.hasPhone {
				buf = appendJSONKey(append(buf, "}, {"...), "type")
				buf = appendJSONKey(append(buf, `"phone", `...), "value")
				buf = appendJSONString(buf, phone)
			}
			buf = appendJSONKey(append(buf, "}], "...), "nickname")
			buf = appendJSONString(buf, p.nickname())
			buf = appendJSONKey(append(buf, ", "...), "preferences")
			buf = appendJSONKey(append(buf, '{'), "currency")
			buf = appendJSONString(buf, countries[p.country].currency)
			buf = appendJSONKey(append(buf, ", "...), "language")
			buf = appendJSONString(buf, pickString(&r, languages[countries[p.country].code]))
			buf = appendJSONKey(append(buf, "}, "...), "marketing_opt_in")
			if r.chance(420) {
				buf = append(buf, "true}"...)
			} else {
				buf = append(buf, "false}"...)
			}
			c.textBytes(buf)
		}

		buf = append(buf[:0], '{')
		var used uint32
		for n := r.pick(tagCountWeights); n > 0; n-- {
			t := r.intn(len(userTags))
			if used&(1<<t) != 0 {
				continue
			}
			if used != 0 {
				buf = append(buf, ',')
			}
			used |= 1 << t
			buf = appendArrayElem(buf, userTags[t])
		}
		c.textBytes(append(buf, '}'))

		if r.chance(300) {
			// A small PNG-looking thumbnail: signature, then noise.
			buf = append(buf[:0], 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n')
			for range r.rangeIn(16, 40) {
				buf = append(buf, byte(r.next()))
			}
			c.bytea(buf)
		} else {
			c.null()
		}
		if r.chance(900) {
			c.rawBytes(g.appendHomeIP(buf[:0], &p))
		} else {
			c.null()
		}

		f, l := names.first[p.first], names.last[p.last]
		switch r.pick(websiteWeights) {
		case 0:
			c.null()
		case 1:
			buf = append(append(append(append(buf[:0], "https://"...), f...), '-'), l...)
			c.textBytes(append(buf, pickString(&r, personalTLDs)...))
		default:
			buf = append(append(append(buf[:0], "https://www.linkedin.com/in/"...), f...), l...)
			c.textBytes(append(buf, '/'))
		}
		switch r.pick(webhookWeights) {
		case 0:
			c.null()
		case 1:
			buf = appendDigits(append(buf[:0], "https://hooks.zapier.com/hooks/catch/"...), &r, 7)
			buf = appendBase62(append(buf, '/'), &r, 6)
			c.textBytes(append(buf, '/'))
		default:
			buf = append(append(append(append(buf[:0], "https://"...), f...), l...), ".com/webhooks/shop-orders"...)
			c.textBytes(buf)
		}
		buf = append(buf[:0], "$2b$12$"...)
		for range 53 {
			buf = append(buf, bcryptAlphabet[r.intn(len(bcryptAlphabet))])
		}
		c.rawBytes(buf)
		if r.chance(120) {
			c.text(pickString(&r, userNotes))
		} else {
			c.null()
		}
		c.timestamp(p.created)
		c.endRow()
	}
	return g.nUsers
}

var (
	displayNameWeights = []int{50, 20, 15, 15}
	tagCountWeights    = []int{45, 30, 18, 7}
	websiteWeights     = []int{88, 7, 5}
	webhookWeights     = []int{960, 25, 15}
	personalTLDs       = []string{".dev", ".com", ".co.uk", ".io", ".me"}
)

const (
	bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	base62         = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

func appendBase62(dst []byte, r *rng, n int) []byte {
	for range n {
		dst = append(dst, base62[r.intn(len(base62))])
	}
	return dst
}

// address renders address id (which belongs to p): the first one in the
// user's own country, later ones sometimes abroad (gifts, holiday homes).
func (g *Generator) address(id int64, p *person, street, postcode []byte) (city string, country int, _, _ []byte) {
	r := g.rng(sAddress, id)
	country = p.country
	if r.chance(150) && id != int64(g.addrStart[p.id]) {
		country = r.intn(len(countries))
	}
	cn := &countries[country]
	ct := &cn.cities[r.intn(len(cn.cities))]
	return ct.name, country, cn.street(&r, street), ct.postcode(&r, postcode)
}

func (g *Generator) genAddresses(c *copyWriter) int64 {
	street, postcode := scratch(), scratch()
	for u := int64(1); u <= g.nUsers; u++ {
		p := g.person(u)
		for id := int64(g.addrStart[u]); id < int64(g.addrStart[u+1]); id++ {
			var city string
			var country int
			city, country, street, postcode = g.address(id, &p, street[:0], postcode[:0])
			c.int(id)
			c.int(u)
			c.textBytes(street)
			c.text(city)
			c.textBytes(postcode)
			c.raw(countries[country].code)
			// One address in five is a workplace: the employer is personal data too.
			if r := g.rng(sCompany, id); r.chance(200) {
				company := companyOwners[r.intn(len(companyOwners))] + " " + companySuffixes[r.intn(len(companySuffixes))]
				c.text(company)
			} else {
				c.null()
			}
			c.endRow()
		}
	}
	return int64(g.addrStart[g.nUsers+1]) - 1
}

var (
	companyOwners   = []string{"Harbour", "Northwind", "Bluebell", "Castle", "Meridian", "Oakridge", "Silverline", "Brightwater", "Redwood", "Summit", "Lakeside", "Ironbridge"}
	companySuffixes = []string{"Logistics Ltd", "Dental Practice", "Consulting GmbH", "Architects LLP", "Software B.V.", "Bakery", "Engineering SAS", "Health Clinic"}
)

type product struct {
	id    int64
	line  *productLine
	item  *productItem
	adj   string
	cents int64
}

// product returns product id and the generator positioned after the draws
// every table needs (SKU and price), for genProducts to continue from.
func (g *Generator) product(id int64) (product, rng) {
	r := g.rng(sProduct, id)
	l := &productLines[r.intn(len(productLines))]
	p := product{id: id, line: l, item: &l.items[r.intn(len(l.items))], adj: pickString(&r, l.adjectives)}
	// Prices end in .99 or .00 around the item's base price.
	cents := p.item.cents * int64(r.rangeIn(80, 160)) / 100
	if r.intn(3) == 0 {
		p.cents = cents/100*100 + 100
	} else {
		p.cents = cents/100*100 + 99
	}
	return p, r
}

func (p *product) appendSKU(dst []byte) []byte {
	dst = append(dst, p.line.code...)
	dst = append(dst, '-')
	dst = append(dst, p.item.code...)
	dst = append(dst, '-')
	return appendInt(dst, 10000+p.id)
}

// productsBefore is the number of products on sale at time t.
func (g *Generator) productsBefore(t int64) int64 {
	step := (productsEnd - productsStart) / g.nProducts
	return max(1, min((t-productsStart)/step, g.nProducts))
}

func (g *Generator) genProducts(c *copyWriter) int64 {
	buf := scratch()
	for id := int64(1); id <= g.nProducts; id++ {
		p, r := g.product(id)
		c.int(id)
		c.textBytes(p.appendSKU(buf[:0]))
		buf = append(append(append(buf[:0], p.adj...), ' '), p.item.name...)
		c.textBytes(buf)
		// The first products carry one catalogue oddity each, so even the
		// smallest fixture has every escape case; later ones now and then.
		switch {
		case id <= int64(len(productOddities)):
			buf = append(append(append(buf[:0], pickString(&r, productBlurbs)...), "\n\n"...), productOddities[id-1]...)
			c.textBytes(buf)
		case r.chance(40):
			c.null()
		default:
			buf = append(append(append(buf[:0], pickString(&r, productBlurbs)...), ' '), pickString(&r, productBlurbs)...)
			if r.chance(120) {
				buf = append(append(buf, "\n\n"...), pickString(&r, productOddities)...)
			}
			c.textBytes(buf)
		}
		c.text(p.line.category)
		c.money(p.cents)
		if r.chance(80) {
			c.int(0)
		} else {
			c.int(int64(min(r.rangeIn(1, 500), r.rangeIn(1, 500))))
		}
		c.bool(!r.chance(60))
		r2 := g.rng(sProductTime, id)
		c.timestamp(spread(&r2, id-1, g.nProducts, productsStart, productsEnd))
		c.endRow()
	}
	return g.nProducts
}

const maxLines = 8

type orderLine struct {
	product product
	qty     int64
	unit    int64
}

type order struct {
	id      int64
	user    person
	address int64
	placed  int64
	status  int
	n       int
	lines   [maxLines]orderLine
	total   int64
}

// statusByAge gives the status mix of orders by age at snapshot time:
// recent ones are still moving, old ones delivered, cancelled or refunded.
var statusByAge = []struct {
	younger  int64
	statuses []int
	weights  []int
}{
	{2 * microsPerDay, []int{statusPending, statusPaid, statusCancelled}, []int{50, 45, 5}},
	{7 * microsPerDay, []int{statusPaid, statusShipped, statusCancelled}, []int{30, 65, 5}},
	{14 * microsPerDay, []int{statusShipped, statusDelivered, statusCancelled}, []int{35, 62, 3}},
	{1 << 62, []int{statusDelivered, statusCancelled, statusRefunded}, []int{890, 50, 60}},
}

var (
	lineCountWeights = []int{45, 25, 13, 8, 5, 2, 1, 1}
	quantityWeights  = []int{75, 17, 5, 2, 1}
)

// order recomputes order id from scratch: customer, address, status (by
// age at snapshot time) and lines, whose sum is the total.
func (g *Generator) order(id int64) (o order) {
	r := g.rng(sOrder, id)
	o.id = id
	o.placed = growing(&r, id-1, g.nOrders, ordersStart, snapshotTime)
	o.user = g.person(g.pickUser(&r, o.placed))
	u := o.user.id
	o.address = int64(g.addrStart[u]) + int64(r.intn(int(g.addrStart[u+1]-g.addrStart[u])))

	age := snapshotTime - o.placed
	for _, b := range statusByAge {
		if age < b.younger {
			o.status = b.statuses[r.pick(b.weights)]
			break
		}
	}

	o.n = 1 + r.pick(lineCountWeights)
	avail := int(g.productsBefore(o.placed))
	for i := range o.n {
		ln := &o.lines[i]
		// Popular products (low ids among those already on sale) sell more.
		ln.product, _ = g.product(1 + int64(min(r.intn(avail), r.intn(avail))))
		ln.qty = 1 + int64(r.pick(quantityWeights))
		ln.unit = ln.product.cents
		if r.chance(100) {
			ln.unit = ln.unit * 85 / 100
		}
		o.total += ln.qty * ln.unit
	}
	return o
}

func (g *Generator) genOrders(c *copyWriter) int64 {
	buf := scratch()
	for id := int64(1); id <= g.nOrders; id++ {
		o := g.order(id)
		r := g.rng(sOrderExtra, id)
		c.int(id)
		c.int(o.user.id)
		c.int(o.address)
		c.raw(orderStatusLabels[o.status])
		c.raw(countries[o.user.country].currency)
		c.money(o.total)
		c.timestamp(o.placed)
		switch {
		case r.chance(30):
			c.null()
		case r.chance(750):
			c.rawBytes(g.appendHomeIP(buf[:0], &o.user))
		default:
			c.rawBytes(appendIP(buf[:0], &r, o.user.country))
		}
		c.endRow()
	}
	return g.nOrders
}

func (g *Generator) genOrderItems(c *copyWriter) int64 {
	buf := scratch()
	for id := int64(1); id <= g.nOrders; id++ {
		o := g.order(id)
		for i := range o.n {
			ln := &o.lines[i]
			c.int(id)
			c.int(int64(i + 1))
			c.textBytes(ln.product.appendSKU(buf[:0]))
			c.int(ln.qty)
			c.money(ln.unit)
			c.endRow()
		}
	}
	return 0
}

func (g *Generator) genRefunds(c *copyWriter) int64 {
	var next int64 = 1
	for id := int64(1); id <= g.nOrders; id++ {
		o := g.order(id)
		if o.status != statusRefunded {
			continue
		}
		r := g.rng(sRefund, id)
		at := o.placed + int64(r.rangeIn(3, 30))*microsPerDay + int64(r.intn(microsPerDay))
		for i := range o.n {
			if i > 0 && !r.chance(350) {
				continue
			}
			c.int(next)
			c.int(id)
			c.int(int64(i + 1))
			c.money(o.lines[i].qty * o.lines[i].unit)
			c.text(pickString(&r, refundReasons))
			c.timestamp(min(at+int64(i)*microsPerMinute, snapshotTime-1))
			c.endRow()
			next++
		}
	}
	return next - 1
}

const (
	methodCard = iota
	methodSEPA
	methodBank
)

var methodLabels = []string{"card", "sepa_debit", "bank_transfer"}

type payment struct {
	id     [16]byte
	method int
	paidAt int64
	// altCard is set when the customer used their second card.
	altCard bool
}

// hasPayment tells whether an order's status implies money was taken.
func hasPayment(status int) bool {
	return status != statusPending && status != statusCancelled
}

func (g *Generator) payment(o *order) payment {
	r := g.rng(sPayment, o.id)
	p := payment{id: g.uuid(sPaymentUUID, o.id), paidAt: o.placed + int64(r.rangeIn(2, 900))*microsPerSecond + int64(r.intn(microsPerSecond))}
	switch countries[o.user.country].code {
	case "US":
	case "GB":
		if r.chance(100) {
			p.method = methodBank
		}
	default:
		if r.chance(280) {
			p.method = methodSEPA
		}
	}
	p.altCard = r.chance(200)
	return p
}

// appendUserCard writes one of the customer's two cards; the same
// customer always pays with the same numbers.
func (g *Generator) appendUserCard(dst []byte, user int64, alt bool, forceSpaces bool) []byte {
	idx := user * 2
	if alt {
		idx++
	}
	r := g.rng(sCard, idx)
	spaced := r.chance(400) || forceSpaces
	return appendCard(dst, &r, spaced)
}

func (g *Generator) appendUserIBAN(dst []byte, p *person) []byte {
	r := g.rng(sIBAN, p.id)
	f := countries[p.country].iban
	if f.country == "" {
		f = ibanGB
	}
	return appendIBAN(dst, &r, f)
}

func (g *Generator) genPayments(c *copyWriter) int64 {
	buf := scratch()
	for id := int64(1); id <= g.nOrders; id++ {
		o := g.order(id)
		if !hasPayment(o.status) {
			continue
		}
		pay := g.payment(&o)
		r := g.rng(sPaymentHolder, id)
		c.uuid(pay.id)
		c.int(id)
		c.raw(methodLabels[pay.method])
		if pay.method == methodCard {
			c.null()
			c.rawBytes(g.appendUserCard(buf[:0], o.user.id, pay.altCard, false))
		} else {
			c.rawBytes(g.appendUserIBAN(buf[:0], &o.user))
			c.null()
		}
		if r.chance(550) {
			buf = append(append(append(buf[:0], names.firstUpper[o.user.first]...), ' '), names.lastUpper[o.user.last]...)
		} else {
			buf = o.user.appendFullName(buf[:0])
		}
		c.textBytes(buf)
		c.money(o.total)
		c.raw(countries[o.user.country].currency)
		c.timestamp(pay.paidAt)
		c.endRow()
	}
	return 0
}

func (g *Generator) genPaymentEvents(c *copyWriter) int64 {
	buf, card, mandate := scratch(), scratch(), scratch()
	var next int64 = 1
	event := func(pay *payment, kind string, at int64, r *rng, code string) {
		c.int(next)
		c.uuid(pay.id)
		c.raw(kind)
		if pay.method == methodCard {
			c.rawBytes(appendBase62(append(buf[:0], "ch_"...), r, 24))
		} else {
			c.rawBytes(appendBase62(append(buf[:0], "PM"...), r, 12))
		}
		buf = appendJSONKey(append(buf[:0], '{'), "code")
		buf = appendJSONString(buf, code)
		switch pay.method {
		case methodCard:
			buf = appendJSONKey(append(buf, ", "...), "last4")
			buf = appendJSONString(buf, card[len(card)-4:])
			buf = appendJSONKey(append(buf, ", "...), "gateway")
			buf = appendJSONString(buf, "stripe")
		case methodSEPA:
			buf = appendJSONKey(append(buf, ", "...), "gateway")
			buf = appendJSONString(buf, "gocardless")
			buf = appendJSONKey(append(buf, ", "...), "mandate")
			mandate = appendBase62(append(mandate[:0], "MD"...), r, 12)
			buf = appendJSONString(buf, mandate)
		default:
			buf = appendJSONKey(append(buf, ", "...), "gateway")
			buf = appendJSONString(buf, "bank")
		}
		c.textBytes(append(buf, '}'))
		c.timestamp(at)
		c.endRow()
		next++
	}
	for id := int64(1); id <= g.nOrders; id++ {
		o := g.order(id)
		if !hasPayment(o.status) {
			continue
		}
		pay := g.payment(&o)
		r := g.rng(sPaymentEvent, id)
		if pay.method == methodCard {
			card = g.appendUserCard(card[:0], o.user.id, pay.altCard, false)
		}
		if r.chance(40) {
			event(&pay, "authorization_failed", pay.paidAt-int64(r.rangeIn(60, 300))*microsPerSecond, &r, "05")
		}
		event(&pay, "authorized", pay.paidAt-int64(r.rangeIn(1, 5))*microsPerSecond, &r, "00")
		event(&pay, "captured", pay.paidAt, &r, "00")
		if o.status == statusRefunded {
			event(&pay, "refunded", min(pay.paidAt+int64(r.rangeIn(3, 30))*microsPerDay, snapshotTime-1), &r, "00")
		}
	}
	return next - 1
}

var ratingWeights = []int{10, 8, 12, 25, 45}

func (g *Generator) genReviews(c *copyWriter) int64 {
	var next int64 = 1
	for id := int64(1); id <= g.nOrders; id++ {
		o := g.order(id)
		if o.status != statusDelivered {
			continue
		}
		r := g.rng(sReview, id)
		if !r.chance(250) {
			continue
		}
		c.int(next)
		c.int(o.user.id)
		c.int(o.lines[r.intn(o.n)].product.id)
		c.int(int64(1 + r.pick(ratingWeights)))
		c.text(pickString(&r, reviewTitles))
		if r.chance(100) {
			c.null()
		} else {
			c.text(pickString(&r, reviewBodies))
		}
		c.timestamp(min(o.placed+int64(r.rangeIn(4, 60))*microsPerDay+int64(r.intn(microsPerDay)), snapshotTime-1))
		c.endRow()
		next++
	}
	return next - 1
}

var (
	greetings = []string{"Hi,\n\n", "Hello support team,\n\n", "Dear Sir or Madam,\r\n\r\n", "hey\n", "Good morning,\n\n"}
	// orderTopics are what customers write about an order: the subject
	// around "#<id>", and the complaint following "My order #<id>".
	orderTopics = []struct{ subjectBefore, subjectAfter, complaint string }{
		{"Where is my order ", "?", " still hasn't arrived and the tracking page hasn't changed for a week."},
		{"Order ", " arrived damaged", " arrived with a broken item.\nPhotos attached."},
		{"Wrong size in order ", "", " contained the wrong size. I need an M, not an S."},
		{"Order ", ": no confirmation email", " was charged but I never got a confirmation email."},
		{"Change delivery address for order ", "", " needs to go to my work address instead, if it's not too late."},
	}
	accountTopics = []struct{ subject, complaint string }{
		{"Please delete my account (GDPR)", "Please delete my account and all the data you hold about me (GDPR Art. 17)."},
		{"Can't log in", "I can't log in: the reset link in your email has expired twice."},
		{"Update my email address", "Please change the email on my account; the old one is no longer in use."},
		{"Unsubscribe me from all emails", "Stop sending me marketing emails. I have unsubscribed three times."},
		{"Request a copy of my data", "I would like a copy of all personal data you hold about me."},
	}
	signOffs = []string{"\n\nThanks,\n\t(sent from my phone)", "\n\nBest regards", "\n\nCheers!", "\n\nKind regards,\r\na loyal customer"}
)

func (g *Generator) genTickets(c *copyWriter) int64 {
	var next int64 = 1
	buf, email := scratch(), scratch()
	ticket := func(o *order, r *rng, aboutOrder bool) {
		p := &o.user
		email = p.appendEmail(email[:0])
		opened := min(o.placed+int64(r.rangeIn(1, 20))*microsPerDay+int64(r.intn(microsPerDay)), snapshotTime-1)
		c.int(next)
		c.int(p.id)
		var complaint string
		if aboutOrder {
			topic := &orderTopics[r.intn(len(orderTopics))]
			c.int(o.id)
			buf = appendInt(append(append(buf[:0], topic.subjectBefore...), '#'), o.id)
			c.textBytes(append(buf, topic.subjectAfter...))
			buf = appendInt(append(append(buf[:0], pickString(r, greetings)...), "My order #"...), o.id)
			complaint = topic.complaint
		} else {
			topic := &accountTopics[r.intn(len(accountTopics))]
			c.null()
			c.text(topic.subject)
			buf = append(buf[:0], pickString(r, greetings)...)
			complaint = topic.complaint
		}
		buf = append(buf, complaint...)
		if r.chance(150) {
			buf = append(buf, "\nI paid with my card "...)
			buf = g.appendUserCard(buf, p.id, false, true)
			buf = append(buf, " — please check it wasn't charged twice."...)
		}
		if p.hasPhone && r.chance(700) {
			buf = append(buf, "\nYou can reach me at "...)
			buf = append(buf, email...)
			buf = append(buf, " or on "...)
			buf = g.appendPhone(buf, p)
			buf = append(buf, '.')
		} else {
			buf = append(append(append(buf, "\nPlease reply to "...), email...), " only."...)
		}
		// Sign-offs carry no name: ticket bodies are where contact details
		// hide in prose, and names are masked in their own columns.
		buf = append(buf, pickString(r, signOffs)...)
		c.textBytes(buf)

		buf = append(buf[:0], '{')
		switch r.pick(ccWeights) {
		case 1:
			other := g.person(1 + int64(r.intn(int(g.nUsers))))
			buf = appendArrayElem(buf, other.appendEmail(email[:0]))
		case 2:
			other := g.person(1 + int64(r.intn(int(g.nUsers))))
			buf = appendArrayElem(buf, other.appendEmail(email[:0]))
			buf = append(buf, ',')
			email, _ = appendRandomEmail(email[:0], r)
			buf = appendArrayElem(buf, email)
		}
		c.textBytes(append(buf, '}'))
		if snapshotTime-opened > 30*microsPerDay {
			c.raw(ticketStatusLabels[2+r.intn(2)]) // resolved or closed by now
		} else {
			c.raw(ticketStatusLabels[r.intn(3)])
		}
		c.timestamp(opened)
		c.endRow()
		next++
	}
	for id := int64(1); id <= g.nOrders; id++ {
		r := g.rng(sTicket, id)
		aboutOrder := r.chance(60)
		aboutAccount := r.chance(15)
		if !aboutOrder && !aboutAccount {
			continue
		}
		o := g.order(id)
		if aboutOrder {
			ticket(&o, &r, true)
		}
		if aboutAccount {
			ticket(&o, &r, false)
		}
	}
	return next - 1
}

var ccWeights = []int{65, 25, 10}

// session is one visit; sessions are numbered in time order and each
// month's sessions end within the month, so a session's events all land in
// one partition.
type session struct {
	index   int64
	user    int64 // 0 for anonymous visitors
	person  person
	started int64
	month   int
}

func (g *Generator) monthFirstSession(m int) int64 {
	return int64(m) * g.nSessions / eventPartitions
}

func monthStart(m int) int64 {
	return daysFromCivil(refYear, int64(m)+1, 1) * microsPerDay
}

func (g *Generator) session(i int64, month int) (s session, r rng) {
	r = g.rng(sSession, i)
	first, end := g.monthFirstSession(month), g.monthFirstSession(month+1)
	s = session{index: i, month: month}
	s.started = spread(&r, i-first, end-first, monthStart(month), monthStart(month+1)-3*microsPerHour)
	if r.chance(720) {
		s.user = g.pickUser(&r, s.started)
		s.person = g.person(s.user)
	}
	return s, r
}

func (g *Generator) genSessions(c *copyWriter) int64 {
	buf := scratch()
	for m := range eventPartitions {
		for i := g.monthFirstSession(m); i < g.monthFirstSession(m+1); i++ {
			s, r := g.session(i, m)
			c.uuid(g.uuid(sSessionUUID, i))
			if s.user == 0 {
				c.null()
			} else {
				c.int(s.user)
			}
			if r.chance(20) {
				c.null()
			} else {
				c.text(userAgents[r.pick(userAgentWeights)])
			}
			g.sessionIP(c, &s, buf)
			c.timestamp(s.started)
			c.endRow()
		}
	}
	return 0
}

// sessionIP writes the session's client address; events repeat it.
func (g *Generator) sessionIP(c *copyWriter, s *session, buf []byte) {
	r := g.rng(sSessionIP, s.index)
	if s.user != 0 && r.chance(800) {
		c.rawBytes(g.appendHomeIP(buf[:0], &s.person))
		return
	}
	c.rawBytes(appendIP(buf[:0], &r, r.pick(countryWeights)))
}

var eventCountWeights = []int{20, 18, 14, 11, 9, 8, 6, 5, 4, 2, 2, 1}

func (g *Generator) eventCount(session int64) int64 {
	r := g.rng(sEventCount, session)
	return 1 + int64(r.pick(eventCountWeights))
}

var eventKindWeights = []int{50, 15, 15, 8, 5}

// genEvents writes the partition of month m. Event ids run across all
// partitions in time order, so the partition starts after the events of
// every earlier session (counted, not generated).
func (g *Generator) genEvents(c *copyWriter, m int) int64 {
	next := int64(1)
	for i := range g.monthFirstSession(m) {
		next += g.eventCount(i)
	}
	buf, sku, tmp := scratch(), scratch(), scratch()
	for i := g.monthFirstSession(m); i < g.monthFirstSession(m+1); i++ {
		s, _ := g.session(i, m)
		sid := g.uuid(sSessionUUID, i)
		r := g.rng(sEvent, i)
		t := s.started
		for j := range g.eventCount(i) {
			t += int64(r.rangeIn(5, 280))*microsPerSecond + int64(r.intn(microsPerSecond))
			c.int(next)
			c.timestamp(t)
			if s.user == 0 {
				c.null()
			} else {
				c.int(s.user)
			}
			c.uuid(sid)
			kind := r.pick(eventKindWeights)
			if j == 0 || kind == 3 && s.user == 0 {
				kind = 0
			}
			pr, _ := g.product(1 + int64(min(r.intn(int(g.nProducts)), r.intn(int(g.nProducts)))))
			sku = pr.appendSKU(sku[:0])
			buf = append(buf[:0], '{')
			switch kind {
			case 0:
				c.raw("page_view")
				buf = appendJSONKey(buf, "path")
				if r.chance(500) {
					tmp = append(append(tmp[:0], "/products/"...), sku...)
					buf = appendJSONString(buf, tmp)
				} else {
					buf = appendJSONString(buf, pickString(&r, pagePaths))
				}
				if j == 0 {
					buf = appendJSONKey(append(buf, ", "...), "referrer")
					buf = appendJSONString(buf, pickString(&r, referrers))
				}
			case 1:
				c.raw("search")
				buf = appendJSONKey(buf, "query")
				buf = appendJSONString(buf, pickString(&r, searchTerms))
				buf = appendJSONKey(append(buf, ", "...), "results")
				buf = appendInt(buf, int64(r.intn(60)))
			case 2:
				c.raw("add_to_cart")
				buf = appendJSONKey(buf, "qty")
				buf = appendInt(buf, int64(1+r.pick(quantityWeights)))
				buf = appendJSONKey(append(buf, ", "...), "sku")
				buf = appendJSONString(buf, sku)
			case 3:
				c.raw("login")
				buf = appendJSONKey(buf, "email")
				tmp = s.person.appendEmail(tmp[:0])
				buf = appendJSONString(buf, tmp)
				buf = appendJSONKey(append(buf, ", "...), "method")
				buf = appendJSONString(buf, pickString(&r, loginMethods))
			default:
				c.raw("checkout")
				buf = appendJSONKey(buf, "items")
				buf = appendInt(buf, int64(1+r.pick(lineCountWeights)))
				buf = appendJSONKey(append(buf, ", "...), "order_total")
				buf = appendMoney(buf, pr.cents*int64(r.rangeIn(1, 4)))
			}
			c.textBytes(append(buf, '}'))
			g.sessionIP(c, &s, buf)
			c.endRow()
			next++
		}
	}
	return next - 1
}

var loginMethods = []string{"password", "password", "magic_link", "google", "apple"}

var loginKindWeights = []int{80, 12, 8}

func (g *Generator) genLogins(c *copyWriter) int64 {
	email := scratch()
	for i := range g.nLogins {
		r := g.rng(sLogin, i)
		at := spread(&r, i, g.nLogins, eventsStart, snapshotTime)
		kind := r.pick(loginKindWeights)
		var p person
		if kind == 2 {
			email, _ = appendRandomEmail(email[:0], &r)
		} else {
			p = g.person(g.pickUser(&r, at))
			email = p.appendEmail(email[:0])
		}
		if kind == 1 {
			// A typo: two neighbouring letters of the local part swapped.
			local := 0
			for local+1 < len(email) && email[local+1] != '@' {
				local++
			}
			k := r.intn(max(local, 1))
			email[k], email[k+1] = email[k+1], email[k]
		}
		c.textBytes(email)
		switch {
		case r.chance(20):
			c.null()
		case kind != 2 && r.chance(850):
			c.rawBytes(g.appendHomeIP(email[:0], &p))
		default:
			c.rawBytes(appendIP(email[:0], &r, r.pick(countryWeights)))
		}
		c.timestamp(at)
		c.bool(kind == 0 && r.chance(850))
		c.endRow()
	}
	return 0
}

var (
	giftBalances     = []int64{2000, 2500, 5000, 7500, 10000}
	giftCodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	giftMessages     = [][2]string{
		{"Happy birthday, ", "! 🎂"}, {"Congratulations on the new job, ", "!"}, {"Merry Christmas ", " 🎄 x"},
		{"Thank you for everything, ", "."}, {"Get well soon, ", ""}, {"For ", " — treat yourself!"},
	}
)

func (g *Generator) genGiftCards(c *copyWriter) int64 {
	buf := scratch()
	for i := int64(1); i <= g.nGiftCards; i++ {
		r := g.rng(sGiftCard, i)
		// Codes are a bijection of the card number, hence unique, and
		// spelt without look-alike characters.
		code := permute(uint64(i), 1<<60, g.seed^sGiftCode)
		buf = append(buf[:0], "GC"...)
		for k := range 12 {
			if k%4 == 0 {
				buf = append(buf, '-')
			}
			buf = append(buf, giftCodeAlphabet[code>>(55-5*k)&31])
		}
		c.rawBytes(buf)

		at := spread(&r, i-1, g.nGiftCards, giftStart, snapshotTime)
		var recipient string
		if r.chance(350) {
			p := g.person(1 + int64(r.intn(int(g.usersBefore(at)))))
			recipient = p.firstName()
			buf = p.appendEmail(buf[:0])
		} else {
			buf, recipient = appendRandomEmail(buf[:0], &r)
		}
		c.textBytes(buf)
		balance := giftBalances[r.intn(len(giftBalances))]
		redeemed := r.chance(550)
		if redeemed {
			if r.chance(600) {
				balance = 0
			} else {
				balance = balance * int64(r.rangeIn(5, 95)) / 100
			}
		}
		c.bool(redeemed)
		c.int(balance)
		if r.chance(120) {
			c.null()
		} else {
			c.int(g.pickUser(&r, at))
		}
		c.timestamp(at)
		if r.chance(300) {
			c.null()
		} else {
			m := giftMessages[r.intn(len(giftMessages))]
			buf = append(append(append(buf[:0], m[0]...), recipient...), m[1]...)
			c.textBytes(buf)
		}
		c.endRow()
	}
	return 0
}

var newsletterSources = []string{"checkout", "footer", "popup", "import_2021"}

func (g *Generator) genNewsletter(c *copyWriter) int64 {
	buf := scratch()
	for u := int64(1); u <= g.nUsers; u++ {
		r := g.rng(sNewsletter, u)
		if !r.chance(380) {
			continue
		}
		p := g.person(u)
		c.textBytes(p.appendEmail(buf[:0]))
		c.timestamp(min(p.created+int64(r.intn(90*microsPerDay)), snapshotTime-1))
		c.raw(newsletterSources[r.intn(len(newsletterSources))])
		c.bool(r.chance(850))
		c.endRow()
	}
	return 0
}
