package fieldportal_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/fieldportal/fieldportal"

// packageImports returns, for each folder of the module, the module's
// packages its non-test files import.
func packageImports(t *testing.T) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if out[dir] == nil {
			out[dir] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == module {
				out[dir]["."] = true
			} else if rest, ok := strings.CutPrefix(p, module+"/"); ok {
				out[dir][rest] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// within reports whether dir is folder or inside it.
func within(dir, folder string) bool { return dir == folder || strings.HasPrefix(dir, folder+"/") }

// TestPackageBoundaries keeps the shape of the code: only the store (and
// cmd, which wires it) imports the store, so no page or API call reaches
// data around the services and their access rules; the portal, the
// console and the API never import each other.
func TestPackageBoundaries(t *testing.T) {
	imports := packageImports(t)
	if len(imports) < 8 {
		t.Fatalf("found only %d packages; is the test running at the module root?", len(imports))
	}
	for dir, imps := range imports {
		for imp := range imps {
			if within(imp, "sqlstore") && !within(dir, "sqlstore") && !within(dir, "cmd") {
				t.Errorf("%s imports %s: only the store and cmd may", dir, imp)
			}
		}
	}
	doors := []string{"portal", "console", "api"}
	for _, a := range doors {
		for _, b := range doors {
			if a != b && imports[a][b] {
				t.Errorf("%s imports %s: the portal, the console and the API stand apart", a, b)
			}
		}
	}
	for _, door := range append(doors, "web") {
		if imports[door]["mail"] || imports[door]["auth"] {
			t.Errorf("%s imports the mail or auth package: workflows belong behind the services", door)
		}
	}
}
