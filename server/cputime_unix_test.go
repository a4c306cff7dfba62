//go:build unix

package server

import "syscall"

// processCPU is the CPU time the process has used, user and system, in
// nanoseconds: benchmarks report it per operation, which a machine
// shared with other work disturbs far less than the time on the clock.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
