package sqlstore

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// The site and contact searches are substring matches (query.search)
// served by a text index of trigrams on each engine: pg_trgm's GIN
// indexes of lower(column) on PostgreSQL, which the LIKE conditions use
// as they are (a BitmapOr over the columns), and an FTS5 table with the
// trigram tokenizer on SQLite, which the query must name (searchIndexed).
// A parent's site search read every one of its 20,000 sites (62 ms on
// SQLite, 31 ms on PostgreSQL).

// searchMigration is the version of the Go migration that makes the text
// indexes: their DDL differs by engine, so it is not a shared SQL file.
const searchMigration = 102

// textIndex is a table's searched columns and, on SQLite, the FTS5 table
// that indexes them.
type textIndex struct {
	table, fts string
	cols       []string
}

// The text indexes of the searches that use searchIndexed.
var (
	siteText    = textIndex{"sites", "site_search", []string{"name", "address_line1", "city", "postcode", "uprn"}}
	contactText = textIndex{"contacts", "contact_search", []string{"first_name", "last_name", "email"}}
	textIndexes = []textIndex{siteText, contactText}
)

// minTrigramTerm is the shortest term, in characters, that a trigram
// index can find; a shorter one is matched by LIKE alone.
const minTrigramTerm = 3

// searchDDL is the migration's statements for the engine.
//
// On SQLite the FTS5 table keeps no copy of the text (content=table):
// triggers tell it each row's old and new values, as the FTS5 manual's
// external content tables do, and 'rebuild' reads the table again. The
// link is the table's rowid, which a VACUUM may renumber in a table
// without an INTEGER PRIMARY KEY (ours have TEXT ids): whatever VACUUMs
// the database must rebuild the FTS5 tables after (rebuildTextIndexes,
// which RecountTallies runs). The trigger of updates fires only for the
// searched columns, so the tallies' and moves' updates pay nothing.
//
// On PostgreSQL the GIN indexes write each row into the index at once
// (fastupdate off): with GIN's pending list, which every search reads
// whole until a vacuum empties it, 8,000 new sites made a search under a
// customer take 20 ms instead of 0.1 ms. Sites and contacts are written
// seldom; their searches often.
func searchDDL(d Dialect) []string { return textIndexDDL(d, textIndexes) }

// textIndexDDL is the statements that make the text indexes of indexes
// on the engine d (searchDDL's, for any list of them).
func textIndexDDL(d Dialect, indexes []textIndex) []string {
	var out []string
	if d == Postgres {
		out = append(out, `CREATE EXTENSION IF NOT EXISTS pg_trgm`)
		for _, ix := range indexes {
			for _, c := range ix.cols {
				out = append(out, `CREATE INDEX `+ix.table+`_trgm_`+c+` ON `+ix.table+` USING gin (lower(`+c+`) gin_trgm_ops) WITH (fastupdate = off)`)
			}
		}
		return out
	}
	for _, ix := range indexes {
		cols := strings.Join(ix.cols, ", ")
		vals := func(row string) string {
			v := make([]string, len(ix.cols))
			for i, c := range ix.cols {
				v[i] = row + "." + c
			}
			return strings.Join(v, ", ")
		}
		insert := `INSERT INTO ` + ix.fts + `(rowid, ` + cols + `) VALUES (new.rowid, ` + vals("new") + `);`
		remove := `INSERT INTO ` + ix.fts + `(` + ix.fts + `, rowid, ` + cols + `) VALUES ('delete', old.rowid, ` + vals("old") + `);`
		out = append(out,
			`CREATE VIRTUAL TABLE `+ix.fts+` USING fts5(`+cols+`, content='`+ix.table+`', tokenize='trigram')`,
			`CREATE TRIGGER `+ix.fts+`_insert AFTER INSERT ON `+ix.table+` BEGIN `+insert+` END`,
			`CREATE TRIGGER `+ix.fts+`_delete AFTER DELETE ON `+ix.table+` BEGIN `+remove+` END`,
			`CREATE TRIGGER `+ix.fts+`_update AFTER UPDATE OF `+cols+` ON `+ix.table+` BEGIN `+remove+` `+insert+` END`,
			ix.rebuild())
	}
	return out
}

// rebuild is the statement that reads ix's table into its FTS5 table again.
func (ix textIndex) rebuild() string {
	return `INSERT INTO ` + ix.fts + `(` + ix.fts + `) VALUES ('rebuild')`
}

// searchSQL is the migration's text on both engines, for MigrationsHash.
func searchSQL() string {
	return strings.Join(searchDDL(SQLite), ";\n") + strings.Join(searchDDL(Postgres), ";\n")
}

// migrateSearch runs the migration's statements for the engine d.
func migrateSearch(ctx context.Context, tx execer, d Dialect) error {
	return execAll(ctx, tx, searchDDL(d))
}

// rebuildTextIndexes reads the searched tables into SQLite's FTS5 tables
// again, for rowids a VACUUM renumbered; PostgreSQL's indexes need nothing.
func rebuildTextIndexes(ctx context.Context, tx execer, d Dialect) error {
	if d != SQLite {
		return nil
	}
	for _, ix := range append(slices.Clone(textIndexes), laterTextIndexes()...) {
		if _, err := tx.ExecContext(ctx, ix.rebuild()); err != nil {
			return err
		}
	}
	return nil
}

// searchIndexed is query.search of the columns of ix on the table's alias,
// which on SQLite also asks ix's FTS5 table for the rows holding the term
// (of minTrigramTerm characters or more): the LIKE conditions stay, as
// they decide the result (FTS5 folds the case of every letter, SQLite's
// lower() only of ASCII ones), and the index only narrows the rows they
// check. On PostgreSQL the LIKE conditions use the indexes themselves.
func (q *query) searchIndexed(d Dialect, term, alias string, ix textIndex) {
	term = strings.TrimSpace(strings.ReplaceAll(term, "\x00", ""))
	if d == SQLite && textIndexed(term) {
		q.and(alias + ".rowid IN (SELECT rowid FROM " + ix.fts + " WHERE " + ix.fts + " MATCH " + q.arg(ftsPhrase(term)) + ")")
	}
	cols := make([]string, len(ix.cols))
	for i, c := range ix.cols {
		cols[i] = alias + "." + c
	}
	q.search(term, cols...)
}

// textIndexed reports whether the text indexes can find a search's term
// (of minTrigramTerm characters or more, valid UTF-8 without NUL).
func textIndexed(term string) bool {
	term = strings.TrimSpace(term)
	return utf8.RuneCountInString(term) >= minTrigramTerm && utf8.ValidString(term) && !strings.ContainsRune(term, 0)
}

// ftsPhrase quotes a term as one FTS5 phrase, which the trigram tokenizer
// matches as a substring: inside double quotes only '"' is special (and
// doubled); LIKE's escapes do not apply, so % and _ match themselves.
func ftsPhrase(term string) string {
	return `"` + strings.ReplaceAll(strings.ToLower(term), `"`, `""`) + `"`
}
