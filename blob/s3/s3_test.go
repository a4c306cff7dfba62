package s3_test

import (
	"context"
	"crypto/rand"
	"os"
	"testing"

	"github.com/fieldportal/fieldportal/blob/blobtest"
	"github.com/fieldportal/fieldportal/blob/s3"
)

// TestS3Store runs the blob suite against a real S3 server: scripts/test
// starts versitygw on a loopback port over a temporary folder and sets
// FIELDPORTAL_TEST_S3_*. Without it the test fails in CI and skips,
// loudly, elsewhere.
func TestS3Store(t *testing.T) {
	endpoint := os.Getenv("FIELDPORTAL_TEST_S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("FIELDPORTAL_TEST_S3_ENDPOINT is not set: the S3 store must be tested in CI (scripts/test starts versitygw)")
		}
		t.Skip("*** S3 STORE NOT TESTED: FIELDPORTAL_TEST_S3_ENDPOINT is not set; run ./scripts/test, which starts versitygw ***")
	}
	cfg := s3.Config{
		Endpoint: endpoint, Bucket: os.Getenv("FIELDPORTAL_TEST_S3_BUCKET"),
		AccessKey: os.Getenv("FIELDPORTAL_TEST_S3_ACCESS_KEY"), SecretKey: os.Getenv("FIELDPORTAL_TEST_S3_SECRET_KEY"),
		Region: os.Getenv("FIELDPORTAL_TEST_S3_REGION"),
	}
	s, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MakeBucket(context.Background(), cfg.Region); err != nil {
		t.Fatalf("bucket: %v", err)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each run its own organisations: the server's folder may outlive a run.
	org := "run-" + rand.Text()[:10]
	blobtest.Run(t, s, org+"-a", org+"-b")
}
