package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// query builds one SQL statement with numbered placeholders ($1, $2...),
// which both engines accept, so fragments (scope, filters, keyset) can be
// composed without counting arguments by hand.
type query struct {
	with  []string // common table expressions, joined into one WITH RECURSIVE
	ctes  map[string]bool
	where []string
	args  []any
	// loginArg and orgArg are the placeholders of the viewer's login and
	// organisation ids, set by reach.
	loginArg, orgArg string
	// walkSites makes the scope of the sites table a filter of a list
	// read in its own index order (siteReachable), for a contact who
	// reaches many sites.
	walkSites bool
	// probe writes the reach's customer test as a probe of the customer
	// tree for each record checked (reachProbe), for a statement that
	// checks a few records: a lookup by id, one asset's history.
	probe bool
}

// arg adds a value and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// cte adds a named common table expression once.
func (q *query) cte(name, body string) {
	if q.ctes == nil {
		q.ctes = map[string]bool{}
	}
	if q.ctes[name] {
		return
	}
	q.ctes[name] = true
	q.with = append(q.with, name+" AS ("+body+")")
}

// and adds a condition to the WHERE clause.
func (q *query) and(cond string) { q.where = append(q.where, cond) }

// prefix returns the WITH clause, or "".
func (q *query) prefix() string {
	if len(q.with) == 0 {
		return ""
	}
	return "WITH RECURSIVE " + strings.Join(q.with, ", ") + "\n"
}

// sub returns "(head WHERE ...)", a sub-query whose conditions build adds
// (they do not join q's own), sharing q's arguments and its common table
// expressions: several counts of one viewer then make one statement with
// the viewer's reach written once (the dashboard).
func (q *query) sub(head string, build func() error) (string, error) {
	outer := q.where
	q.where = nil
	defer func() { q.where = outer }()
	if err := build(); err != nil {
		return "", err
	}
	return "(" + head + q.whereSQL() + ")", nil
}

// countOne runs the count that one sub-query of q makes.
func countOne(ctx context.Context, db *pool, q *query, sub string, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	var n int
	err = db.QueryRowContext(ctx, q.prefix()+"SELECT "+sub, q.args...).Scan(&n)
	return n, err
}

// whereSQL returns " WHERE a AND b", or "".
func (q *query) whereSQL() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// whereAnd returns whereSQL with cond added, leaving q as it is: for a
// statement that reads the same rows under two extra conditions.
func (q *query) whereAnd(cond string) string {
	if len(q.where) == 0 {
		return " WHERE " + cond
	}
	return q.whereSQL() + " AND " + cond
}

// sql assembles: WITH ... + head + WHERE ... + tail.
func (q *query) sql(head, tail string) string {
	return q.prefix() + head + q.whereSQL() + " " + tail
}

// search adds a case-insensitive substring match of term on any of cols.
// LIKE wildcards typed by the user are escaped.
func (q *query) search(term string, cols ...string) {
	// No stored text holds a NUL (PostgreSQL refuses one in a string,
	// with an error instead of no match).
	term = strings.TrimSpace(strings.ReplaceAll(term, "\x00", ""))
	if term == "" {
		return
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	p := q.arg("%" + r.Replace(strings.ToLower(term)) + "%")
	ors := make([]string, len(cols))
	for i, c := range cols {
		ors[i] = "lower(" + c + ") LIKE " + p + ` ESCAPE '\'`
	}
	q.and("(" + strings.Join(ors, " OR ") + ")")
}

// keyset adds the condition that continues a list after the cursor. The
// list is ordered by (cols..., id) in the given direction; the cursor holds
// the last row's values of those columns. Row-value comparison is
// understood by both engines and uses the (cols, id) index.
func (q *query) keyset(after string, desc bool, cols ...string) error {
	if after == "" {
		return nil
	}
	var vals []any
	if err := decodeCursor(after, &vals); err != nil || len(vals) != len(cols) {
		return badCursor()
	}
	ph := make([]string, len(vals))
	for i, v := range vals {
		// A forged cursor could hand PostgreSQL a value its column cannot
		// compare with (text for a time, a number for text: a fault, found
		// by the API's tests): a text column takes its string as it is
		// (a name may start "t:"), a time column a time, and a tagged
		// time parses.
		x := cursorValue(v)
		_, isTime := x.(time.Time)
		s, isString := v.(string)
		switch {
		case textColumn(cols[i]) && !isString:
			return badCursor()
		case textColumn(cols[i]):
			x = s
		case isString && strings.HasPrefix(s, "t:") && !isTime, strings.HasSuffix(cols[i], "_at") && !isTime:
			return badCursor()
		}
		ph[i] = q.arg(x)
	}
	op := ">"
	if desc {
		op = "<"
	}
	q.and("(" + strings.Join(cols, ", ") + ") " + op + " (" + strings.Join(ph, ", ") + ")")
	return nil
}

// updatedSince keeps a walk by updated_since to the records changed after
// since. Only its first page says so: a later page's keyset (updated_at,
// id) > (cursor) is past since already, and with both terms SQLite took
// the index range from since and stepped over every row before the
// cursor on each page (a full sync of 2,000,000 asset tests read pages
// of 500 in 272 ms on average, growing with the depth; 4 ms without).
func (q *query) updatedSince(col string, since time.Time, after string) {
	if after == "" {
		q.and(col + " > " + q.arg(since.UTC()))
	}
}

// badCursor is the refusal of a cursor that no page gave.
func badCursor() error {
	return fieldportal.FieldErrorf("after", "The page cursor is not valid; start from the first page.")
}

// textColumn reports whether a keyset column holds text, by its name: a
// record's id (text in every table that names one with its alias) and the
// names lists sort by.
func textColumn(col string) bool {
	_, name, ok := strings.Cut(col, ".")
	return ok && slices.Contains([]string{"id", "job_id", "name", "first_name", "last_name", "title", "code"}, name)
}

// cursorValue turns a decoded JSON value back into what the column holds:
// times travel as RFC 3339 strings tagged "t:".
func cursorValue(v any) any {
	if s, ok := v.(string); ok && strings.HasPrefix(s, "t:") {
		if t, err := time.Parse(time.RFC3339Nano, s[2:]); err == nil {
			return t
		}
	}
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	return v
}

// cursor encodes the sort values of a page's last row.
func cursor(vals ...any) string {
	out := make([]any, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case time.Time:
			out[i] = "t:" + v.UTC().Format(time.RFC3339Nano)
		case fieldportal.Date:
			out[i] = "t:" + v.Time().Format(time.RFC3339Nano)
		case fieldportal.Money:
			out[i] = int64(v)
		default:
			out[i] = v
		}
	}
	b, _ := json.Marshal(out)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor; only strings and numbers are accepted, so a
// forged cursor cannot hand the driver a value it cannot bind.
func decodeCursor(s string, v *[]any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	for _, x := range *v {
		switch x := x.(type) {
		case string:
			// No stored text holds a NUL, and PostgreSQL refuses one in
			// a string with an error (a 500), not no match.
			if strings.ContainsRune(x, 0) {
				return fmt.Errorf("cursor value holds a NUL")
			}
		case float64:
		default:
			return fmt.Errorf("cursor value of type %T", x)
		}
	}
	return nil
}

// limit returns " LIMIT n+1": one more row than the page tells whether a
// next page exists.
func limit(p fieldportal.Page) string { return fmt.Sprintf(" LIMIT %d", p.Size()+1) }

// trim cuts a fetched page to its size and returns the cursor of the next
// page ("" on the last page), computed by key from the last kept row.
func trim[T any](rows []T, p fieldportal.Page, key func(T) string) ([]T, string) {
	if len(rows) <= p.Size() {
		return rows, ""
	}
	rows = rows[:p.Size()]
	return rows, key(rows[len(rows)-1])
}

// ifUnchanged is the optimistic lock of an UPDATE: when the caller gave
// the updated_at it read (not zero), it appends the condition that the
// row still has it, its value the last of args. The UPDATE's row lock
// makes the test and the write one step (PostgreSQL re-reads the row a
// concurrent writer committed), so no save slips between them.
func ifUnchanged(args *[]any, at time.Time) string {
	if at.IsZero() {
		return ""
	}
	*args = append(*args, at.UTC())
	return fmt.Sprintf(" AND updated_at = $%d", len(*args))
}

// checkUnchanged turns an UPDATE under ifUnchanged that wrote no row into
// fieldportal.ErrChanged.
func checkUnchanged(res sql.Result, at time.Time) error {
	if at.IsZero() {
		return nil
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fieldportal.ErrChanged
	}
	return nil
}

// nullStr stores "" as NULL (optional references and external ids).
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// str scans a nullable text column into a string ("" for NULL).
func str(p *string) sql.Scanner { return strScanner{p} }

type strScanner struct{ p *string }

func (s strScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.p = ""
	case string:
		*s.p = v
	case []byte:
		*s.p = string(v)
	default:
		return fmt.Errorf("cannot scan %T into string", v)
	}
	return nil
}

// tm scans a nullable timestamp into a time.Time (zero for NULL), in UTC.
func tm(p *time.Time) sql.Scanner { return timeScanner{p} }

type timeScanner struct{ p *time.Time }

func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.p = time.Time{}
	case time.Time:
		*s.p = v.UTC()
	case string:
		t, err := parseSQLiteTime(v)
		if err != nil {
			return err
		}
		*s.p = t
	default:
		return fmt.Errorf("cannot scan %T into time", v)
	}
	return nil
}

// parseSQLiteTime reads a time that SQLite returned as text (an aggregate
// such as max() loses the column's declared type).
func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse time %q", s)
}

// money scans an integer column into Money.
func money(p *fieldportal.Money) sql.Scanner { return moneyScanner{p} }

type moneyScanner struct{ p *fieldportal.Money }

func (s moneyScanner) Scan(v any) error {
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*s.p = fieldportal.Money(n.Int64)
	return nil
}

var _ driver.Valuer = fieldportal.Date{}
