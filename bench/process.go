package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Process is what the benchmark measured of a fresh server process.
type Process struct {
	// Startup is from starting the process to its first 200 on /readyz.
	Startup time.Duration
	// Sessions signed in, each of which then loaded the dashboard at once.
	Sessions int
	// RSS is the process's resident memory (VmRSS) after that, in bytes.
	RSS int64
	// RSSAnon and RSSFile split RSS: the process's own memory (heap,
	// stacks, SQLite's page caches) and the pages of mapped files, which
	// on SQLite include the database pages read through its memory map
	// (page cache the kernel shares and may reclaim). RSSFile counts
	// shared memory too (RssShmem): a database on tmpfs, /tmp on many
	// systems, is resident as that.
	RSSAnon, RSSFile int64
}

// listening is the line `fieldportal serve` logs once it accepts requests.
var listening = regexp.MustCompile(`fieldportal listening.* url=(http://\S+)`)

// measureProcess starts the server process cmd (which must log its URL on
// stderr, as `fieldportal serve --addr 127.0.0.1:0` does), times it to
// /readyz, then signs in sessions contacts of the parent persona one after
// another (sign-in throttles count parallel attempts as failures), has
// every session load the dashboard at the same moment, and reads the
// process's resident memory. A child process, not the bench's own, so the
// figures hold the server alone: no load generator, no bare handler.
func measureProcess(ctx context.Context, cmd *exec.Cmd, sessions int) (*Process, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server process: %w", err)
	}
	defer stop(cmd)
	urlc := make(chan string, 1)
	var tail strings.Builder
	var tailMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
			tailMu.Lock()
			if tail.Len() < 4096 {
				tail.WriteString(sc.Text() + "\n")
			}
			tailMu.Unlock()
		}
	}()
	var base string
	select {
	case base = <-urlc:
	case <-time.After(2 * time.Minute):
		tailMu.Lock()
		defer tailMu.Unlock()
		return nil, fmt.Errorf("server process did not log its URL:\n%s", tail.String())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c := newClient(sessions)
	p := &Process{Sessions: sessions}
	for {
		res, err := c.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.Startup = time.Since(start)
				break
			}
		}
		if time.Since(start) > time.Minute {
			return nil, errors.New("server process not ready within a minute")
		}
		time.Sleep(time.Millisecond)
	}

	cookies := make([]string, 0, sessions)
	for range sessions {
		s, err := signIn(ctx, c, base, Parent)
		if err != nil {
			return nil, err
		}
		cookies = append(cookies, s.cookie)
	}
	errc := make(chan error, sessions)
	var wg sync.WaitGroup
	for _, ck := range cookies {
		wg.Go(func() { errc <- get(ctx, c, base+"/", ck) })
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return nil, fmt.Errorf("dashboard of a session: %w", err)
		}
	}
	if p.RSS, p.RSSAnon, p.RSSFile, err = vmRSS(cmd.Process.Pid); err != nil {
		return nil, err
	}
	return p, nil
}

// stop asks the process to shut down as SIGINT does, and kills it if it
// has not within ten seconds.
func stop(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// vmRSS reads a process's resident memory from /proc: all of it, its
// anonymous part and its file-backed part.
func vmRSS(pid int) (rss, anon, file int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("resident memory: %w", err)
	}
	if rss, err = kiloBytesField(string(b), "VmRSS:"); err != nil {
		return 0, 0, 0, err
	}
	// The split is informative: a kernel without the lines gives zeros.
	anon, _ = kiloBytesField(string(b), "RssAnon:")
	file, _ = kiloBytesField(string(b), "RssFile:")
	shmem, _ := kiloBytesField(string(b), "RssShmem:")
	return rss, anon, file + shmem, nil
}

// kiloBytesField reads a "Name:   123 kB" line of a /proc file, in bytes.
func kiloBytesField(text, name string) (int64, error) {
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				break
			}
			return n * 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s line", strings.TrimSuffix(name, ":"))
}
