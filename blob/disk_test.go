package blob_test

import (
	"testing"

	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/blob/blobtest"
)

func TestDiskStore(t *testing.T) {
	s, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, s, "org-a", "org-b")
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"org/0123abcd": true, "branding/org/logo/ab": true, "": false, "/abs": false, "a/../b": false,
		"..": false, "a//b": false, "a\\b": false, "a\nb": false, "a/./b": false,
	} {
		t.Run(key, func(t *testing.T) {
			if got := blob.ValidKey(key); got != want {
				t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
			}
		})
	}
}
