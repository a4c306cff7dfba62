package sqlstore

import (
	"os"
	"strings"
	"testing"
)

// The type filter's expression is the one migration 182 indexes, word for
// word: a planner uses an expression index only for the same expression.
func TestDocumentTypeSQLIsIndexed(t *testing.T) {
	mig, err := os.ReadFile("migrations/00182_documents_type.sql")
	if err != nil {
		t.Fatal(err)
	}
	want := documentTypeSQL("content_type")
	if !strings.Contains(string(mig), "(org_id, "+want+", name, id)") {
		t.Errorf("migration 182 does not index %s", want)
	}
}
