package fieldportal_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// viewerMakers are the constructors of a Viewer that sees data. A struct
// literal cannot make one (the kind is unexported); these may be called
// only where a viewer is really made: the store (from a session, an API
// key, or a named system task it runs), the program's own tasks in cmd,
// and tests. A handler that called one would bypass sign-in.
var viewerMakers = []string{"NewContactViewer", "NewStaffViewer", "NewAPIKeyViewer", "SystemViewer"}

// allowedViewerMakers are the folders (and their sub-folders) whose
// non-test code may call them.
var allowedViewerMakers = []string{"sqlstore", "cmd"}

// TestViewerIsMadeNotTyped fails when code outside the store and cmd
// makes a viewer: the portal, console and API get theirs from the
// sign-in and API-key services.
func TestViewerIsMadeNotTyped(t *testing.T) {
	fset := token.NewFileSet()
	var found []string
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
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, ok := range allowedViewerMakers {
			if dir == ok || strings.HasPrefix(dir, ok+"/") {
				return nil
			}
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		root := dir == "."
		// The name the file gives the domain package: "fieldportal",
		// an alias, or "." for a dot import (then calls are bare).
		local := ""
		for _, imp := range f.Imports {
			if imp.Path.Value != `"github.com/fieldportal/fieldportal"` {
				continue
			}
			local = "fieldportal"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
		report := func(pos token.Pos, name string) {
			for _, m := range viewerMakers {
				if name == m {
					found = append(found, fset.Position(pos).String()+": "+m)
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				// Any use, called or passed on as a function value.
				if id, ok := n.X.(*ast.Ident); ok && local != "" && id.Name == local {
					report(n.Pos(), n.Sel.Name)
				}
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && (root || local == ".") {
					report(n.Pos(), id.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("a viewer is made outside the store and cmd: %s", f)
	}
}
