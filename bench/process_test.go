package bench

import (
	"os"
	"syscall"
	"testing"
)

// TestVMRSSSplit checks that the split of resident memory adds up to it
// when the process maps shared memory: a database on tmpfs (/tmp on many
// systems), read through SQLite's memory map, is resident as RssShmem,
// not RssFile.
func TestVMRSSSplit(t *testing.T) {
	const size = 8 << 20
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED|syscall.MAP_ANON)
	if err != nil {
		t.Skipf("no shared memory: %v", err)
	}
	defer syscall.Munmap(m)
	for i := 0; i < size; i += os.Getpagesize() {
		m[i] = 1 // resident
	}
	rss, anon, file, err := vmRSS(os.Getpid())
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	if anon == 0 && file == 0 {
		t.Skip("the kernel does not split VmRSS")
	}
	if anon+file != rss {
		t.Errorf("anonymous %d + mapped files %d = %d, want VmRSS %d", anon, file, anon+file, rss)
	}
}
