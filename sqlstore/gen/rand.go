package gen

import (
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/fieldportal/fieldportal"
)

// kind numbers the record kinds: a record's random stream and its id are
// derived from (seed, kind, index), so any table can recompute any
// record's facts (an invoice's site, a job's stage) without keeping the
// rows written before, and the output does not depend on table order.
type kind uint8

const (
	kOrg kind = iota + 1
	kStaff
	kContractor
	kCustomer
	kSite
	kContact
	kLogin
	kAsset
	kTransfer
	kTest
	kQuote
	kQuoteItem
	kJob
	kJobItem
	kIssue
	kComment
	kInvoice
	kLine
	kPayment
	kRecurring
	kCard
	kCert
	kDocument
	kAppointment
	kTask
	kScript
	kItem
	kWebhook
	kOutbox
	kAudit
	kLayout // the customer tree's shape
	// Issue 22's, after kLayout so that the kinds before keep their
	// streams.
	kThread
	kMessage
	kPhoto // a visit report's photo (issue 22)
	kFeedback
)

// mix is splitmix64's finaliser: a cheap, well-spread 64-bit hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// rec is the random stream of one record. It is a value: streams cost no
// allocation, and two calls for the same record give the same stream.
type rec struct{ s uint64 }

func (g *gen) rec(k kind, i int) rec {
	return rec{s: mix(g.seed ^ mix(uint64(k)<<40^uint64(i)))}
}

func (r *rec) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// intn returns a number in [0, n).
func (r *rec) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rec) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

func (r *rec) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rec) chance(p float64) bool { return r.float() < p }

func pick[T any](r *rec, s []T) T { return s[r.intn(len(s))] }

// share is how many of total items the i-th of n holders gets when they
// are spread as evenly as whole numbers allow: the shares add up to total.
func share(i, total, n int) int { return (i+1)*total/n - i*total/n }

// id makes the record's id: a UUIDv7 whose time is the record's creation,
// so ids sort by time like the store's own, and whose random bits hold
// the kind and index (unique by construction) and a hash of the seed.
func (g *gen) id(k kind, i int, at time.Time) string {
	var b [16]byte
	ms := uint64(at.UnixMilli())
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	h := mix(g.seed ^ uint64(k)<<32 ^ uint64(i))
	b[6] = 0x70 | byte(k>>4)
	b[7] = byte(k)<<4 | byte(h&0x0f)
	b[8] = 0x80 | byte(h>>4)&0x3f
	b[9] = byte(h >> 12)
	binary.BigEndian.PutUint32(b[10:14], uint32(i))
	b[14], b[15] = byte(h>>20), byte(h>>28)
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// day is the date n days from today (negative: in the past).
func (g *gen) day(n int) fieldportal.Date { return g.today.AddDays(n) }

// date is the date n days from today as the drivers store a DATE: midnight
// UTC, as fieldportal.Date's Value gives it.
func (g *gen) date(n int) time.Time { return g.day(n).Time() }

// at is hh:mm local time n days from today, in UTC at the stores'
// precision, never after now.
func (g *gen) at(n, hh, mm int) time.Time {
	d := g.day(n)
	t := time.Date(d.Year, d.Month, d.Day, hh, mm, 0, 0, g.loc).UTC()
	if t.After(g.now) {
		t = g.now
	}
	return t
}

// workTime is a moment in working hours n days from today.
func (g *gen) workTime(r *rec, n int) time.Time {
	return g.at(n, r.between(8, 17), 5*r.intn(12))
}

// nullable turns "" into NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime turns the zero time into NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// when is like at but may lie in the future (bookings, due dates).
func (g *gen) when(n, hh, mm int) time.Time {
	d := g.day(n)
	return time.Date(d.Year, d.Month, d.Day, hh, mm, 0, 0, g.loc).UTC()
}

// spread is the day, counted from today, on which the i-th of n records
// made evenly over the organisation's history was created: numbers and
// ids then follow time, as they do when records are made one by one.
func spread(i, n int) int { return -start + int(int64(i)*start/int64(max(n, 1))) }
