package sqlstore_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// No service method that takes a Viewer ships without a row in the access
// matrices: TestAccessMatrix for the reads of customer records,
// TestWriteMatrix for the rest. The methods are found by reflection over
// the service interfaces, and the interfaces by parsing the domain
// package, so that neither a new method nor a new interface can be
// missed; what is covered is read from the rows themselves.

// serviceInterfaces are the domain's service interfaces (service.go).
var serviceInterfaces = []reflect.Type{
	reflect.TypeFor[fieldportal.OrganisationService](),
	reflect.TypeFor[fieldportal.SignInService](),
	reflect.TypeFor[fieldportal.AccessService](),
	reflect.TypeFor[fieldportal.StaffService](),
	reflect.TypeFor[fieldportal.SiteService](),
	reflect.TypeFor[fieldportal.DashboardService](),
	reflect.TypeFor[fieldportal.WorkService](),
	reflect.TypeFor[fieldportal.MoneyService](),
	reflect.TypeFor[fieldportal.EquipmentService](),
	reflect.TypeFor[fieldportal.DiaryService](),
	reflect.TypeFor[fieldportal.ReportService](),
	reflect.TypeFor[fieldportal.APIKeyService](),
	reflect.TypeFor[fieldportal.WebhookService](),
	reflect.TypeFor[fieldportal.TombstoneService](),
	reflect.TypeFor[fieldportal.PreferencesService](),
	reflect.TypeFor[fieldportal.SSOService](),
	reflect.TypeFor[fieldportal.PasskeyService](),
	reflect.TypeFor[fieldportal.ChallengeService](),
	reflect.TypeFor[fieldportal.SecondFactorService](),
	reflect.TypeFor[fieldportal.MessageService](),
	reflect.TypeFor[fieldportal.VisitReportService](),
}

// viewerMethods returns, as "Interface.Method", every method of the
// interfaces that takes a fieldportal.Viewer.
func viewerMethods(interfaces []reflect.Type) []string {
	viewer := reflect.TypeFor[fieldportal.Viewer]()
	var out []string
	for _, it := range interfaces {
		for m := range it.Methods() {
			for in := range m.Type.Ins() {
				if in == viewer {
					out = append(out, it.Name()+"."+m.Name)
					break
				}
			}
		}
	}
	return out
}

// domainServices returns the names of the exported interface types whose
// names end in "Service" declared in the non-test Go files of the domain
// package in dir.
func domainServices(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "fieldportal" {
			continue
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, isInterface := ts.Type.(*ast.InterfaceType); isInterface && ts.Name.IsExported() && strings.HasSuffix(ts.Name.Name, "Service") {
					out = append(out, ts.Name.Name)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// matrixCovers returns what the rows of both matrices say they cover,
// with the rows that say it, and the rows that cover nothing. The rows are
// made as the matrices make them, each over a database of its own.
func matrixCovers(t *testing.T) (covered map[string][]string, empty []string) {
	t.Helper()
	covered = map[string][]string{}
	add := func(row string, covers []string) {
		if len(covers) == 0 {
			empty = append(empty, row)
		}
		for _, m := range covers {
			covered[m] = append(covered[m], row)
		}
	}
	for _, r := range mustWorld(t, sqltest.MustOpen(t, sqlstore.SQLite)).readRows(t) {
		add("TestAccessMatrix "+r.name, r.covers)
	}
	for _, r := range mustJobWorld(t, sqltest.MustOpen(t, sqlstore.SQLite)).jobReadRows(t) {
		add("TestJobsAccessMatrix "+r.name, r.covers)
	}
	for _, r := range mustVisitReportWorld(t, sqltest.MustOpen(t, sqlstore.SQLite)).reportReadRows(t) {
		add("TestVisitReportAccessMatrix "+r.name, r.covers)
	}
	for _, r := range mustWriteWorld(t, sqltest.MustOpen(t, sqlstore.SQLite)).writeRows() {
		add("TestWriteMatrix "+r.name, r.covers)
	}
	return covered, empty
}

func TestMatrixCoverage(t *testing.T) {
	var listed []string
	for _, it := range serviceInterfaces {
		listed = append(listed, it.Name())
	}
	slices.Sort(listed)
	methods := viewerMethods(serviceInterfaces)
	covered, empty := matrixCovers(t)

	t.Run("the service interfaces listed are the domain's", func(t *testing.T) {
		declared := domainServices(t, "..")
		if len(declared) == 0 {
			t.Fatal("no service interface found in the domain package (..)")
		}
		for _, name := range declared {
			if !slices.Contains(listed, name) {
				t.Errorf("fieldportal.%s is a service interface of the domain that serviceInterfaces does not list", name)
			}
		}
		for _, name := range listed {
			if !slices.Contains(declared, name) {
				t.Errorf("serviceInterfaces lists %s, which the domain package does not declare", name)
			}
		}
	})
	t.Run("every method that takes a viewer has a row", func(t *testing.T) {
		if len(methods) == 0 {
			t.Fatal("no method takes a fieldportal.Viewer")
		}
		for _, m := range methods {
			if len(covered[m]) == 0 {
				t.Errorf("%s takes a Viewer and has no row in the access matrix", m)
			}
		}
	})
	t.Run("every row covers methods that take a viewer", func(t *testing.T) {
		for _, row := range empty {
			t.Errorf("%s covers no method", row)
		}
		for m, rows := range covered {
			if !slices.Contains(methods, m) {
				t.Errorf("%v cover %s, which is no method of the service interfaces that takes a Viewer", rows, m)
			}
		}
	})
}
