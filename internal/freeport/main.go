// Command freeport prints a TCP port free on the loopback interface, for
// scripts/test to start a test server on (versitygw takes no port 0).
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(l.Addr().(*net.TCPAddr).Port)
	l.Close()
}
