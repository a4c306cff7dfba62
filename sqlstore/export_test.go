package sqlstore

// ObserveQueries makes d tell fn the text and arguments of every query it
// runs from now on (Exec statements are not told): the query plans test
// collects a service call's queries to EXPLAIN them. Call it before d is
// used by more than one goroutine.
func ObserveQueries(d *DB, fn func(query string, args []any)) {
	d.db.observe = fn
	d.read.observe = fn
}
