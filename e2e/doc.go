// Package e2e holds the browser tests: they build the real fieldportal
// binary, start it on a fresh demo database on a free port, and drive
// Debian's Chromium through chromedp along the journeys a customer takes.
package e2e
