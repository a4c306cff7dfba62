package auth

import "time"

// SetHashWait shortens how long p waits for a hashing slot, so a test of
// the busy answer does not wait DefaultHashWait.
func SetHashWait(p *Passwords, d time.Duration) { p.wait = d }

// HoldSlot takes one of p's hashing slots until release is called, as a
// long hash would.
func HoldSlot(p *Passwords) (release func()) {
	p.slots <- struct{}{}
	return func() { <-p.slots }
}
