package web

import (
	"bufio"
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
)

// csvFlushRows is how many rows a CSV download writes between flushes.
// The first row is flushed at once, so the download starts as soon as the
// store has a row; after that the connection's buffers send most of the
// bytes anyway, and the flush only bounds how long a row waits for them
// (with gzip each flush also ends a deflate block, so not every row).
const csvFlushRows = 1000

// csvWriteTimeout is how long a client gets to take each flushed part of
// a download: one that stops reading is cut off, not kept for ever.
const csvWriteTimeout = time.Minute

// CSV is a CSV download streamed as its rows come: every export of the
// portal is one store walk (an Each* method of the services) feeding Row,
// then Finish. Nothing is sent before the first row, so an error before
// it still gets a proper error page.
type CSV struct {
	k        *Kit
	w        http.ResponseWriter
	r        *http.Request
	rc       *http.ResponseController
	filename string
	header   []string
	cw       *bufio.Writer
	rows     int
	// writeErr is the error writing to the client (it went away): Row
	// returns it so the walk stops, and Finish knows it for what it is.
	writeErr error
}

// CSV begins a download of the file filename whose first row is header.
func (k *Kit) CSV(w http.ResponseWriter, r *http.Request, filename string, header ...string) *CSV {
	return &CSV{k: k, w: w, r: r, rc: http.NewResponseController(w), filename: filename, header: header}
}

// start sends the headers, a byte-order mark (so that Excel reads the
// file as UTF-8: £, é) and the header row.
func (c *CSV) start() {
	h := c.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": c.filename}))
	h.Set("Cache-Control", "no-store")
	c.deadline()
	c.w.Write([]byte("\xEF\xBB\xBF"))
	c.cw = bufio.NewWriter(c.w)
	c.writeRecord(c.header)
}

// writeRecord writes one line of the file with every cell quoted: a cell
// holding a ";" is then one cell also where a spreadsheet splits lines on
// ";" (the list separator of many locales), so its text after the ";"
// cannot become a cell of its own that starts a formula (found by
// review). Lines end in CRLF (RFC 4180).
func (c *CSV) writeRecord(cells []string) {
	for i, cell := range cells {
		if i > 0 {
			c.cw.WriteByte(',')
		}
		c.cw.WriteByte('"')
		c.cw.WriteString(strings.ReplaceAll(cell, `"`, `""`))
		c.cw.WriteByte('"')
	}
	c.cw.WriteString("\r\n")
}

// deadline gives the client csvWriteTimeout to take what is sent next.
func (c *CSV) deadline() {
	if err := c.rc.SetWriteDeadline(time.Now().Add(csvWriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		c.k.logger.WarnContext(c.r.Context(), "CSV download: write deadline", "err", err)
	}
}

// Row writes one row, each cell guarded against formula injection
// (csvCells); it may change cells. It returns the error of writing to the
// client, which the caller returns to stop its walk.
func (c *CSV) Row(cells ...string) error {
	if c.writeErr != nil {
		return c.writeErr
	}
	if c.cw == nil {
		c.start()
	}
	c.writeRecord(csvCells(cells...))
	c.rows++
	if c.rows == 1 || c.rows%csvFlushRows == 0 {
		c.flush()
	}
	return c.writeErr
}

// flush sends what is buffered, through the gzip writer, to the client.
func (c *CSV) flush() {
	c.deadline()
	if err := c.cw.Flush(); err != nil {
		c.writeErr = err
		return
	}
	if err := c.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		c.writeErr = err
	}
}

// Finish ends the download whose walk returned err. Without an error it
// completes the file (a header row alone when there were no rows). An
// error before any row is answered as an error page. An error after the
// response began aborts it (http.ErrAbortHandler), so that the download
// fails visibly instead of ending as a short file that looks complete
// (with gzip even a valid trailer): Finish then does not return.
func (c *CSV) Finish(err error) {
	ctx := c.r.Context()
	if err == nil {
		if c.cw == nil {
			c.start()
		}
		c.flush()
		if c.writeErr != nil {
			c.k.logger.WarnContext(ctx, "CSV download: write", "file", c.filename, "rows", c.rows, "err", c.writeErr)
		}
		return
	}
	if c.cw == nil {
		c.k.Error(c.w, c.r, err)
		return
	}
	switch {
	case c.writeErr != nil || errors.Is(err, context.Canceled):
		// The client went away: nothing of ours failed.
		c.k.logger.WarnContext(ctx, "CSV download: client gone", "file", c.filename, "rows", c.rows, "err", err)
	default:
		c.k.logger.ErrorContext(ctx, "CSV download: failed after it began", "file", c.filename, "rows", c.rows, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// csvCells guards every cell against formula injection: a spreadsheet
// runs a cell starting with = + - @ (or a tab or carriage return before
// one) as a formula, so such a cell gets a leading single quote and is
// shown as text. The cost is a visible quote on, say, a negative number
// typed as text. It changes cells in place and returns them.
func csvCells(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
