package web

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// TestRandomViewsSetEveryField checks that the generators behind
// TestLayoutMatchesRule and TestFieldMatchesRule give every field of the
// views they draw (Layout and its NavLinks, FieldView, a select's
// CheckOptions) a value in some draw. Those tests compare the Go writers
// with their templates only on the fields the generators set: a field
// added to a view, and written by layoutHead or fieldHTML, but left zero
// by its generator would never be compared, so it could be written
// unescaped (or not at all) with every test green.
func TestRandomViewsSetEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 29))
	var layouts []Layout
	var fields []FieldView
	var options [][]CheckOption
	for range 200 {
		layouts = append(layouts, randomLayout(rng))
		fields = append(fields, randomField(rng))
		options = append(options, randomOptions(rng))
	}
	for _, c := range []struct {
		name  string
		draws any
	}{{"randomLayout", layouts}, {"randomField", fields}, {"randomOptions", options}} {
		t.Run(c.name, func(t *testing.T) {
			v := reflect.ValueOf(c.draws)
			want := map[string]bool{}
			structPaths(v.Type().Elem(), "", want)
			got := map[string]bool{}
			for i := range v.Len() {
				setPaths(v.Index(i), "", got)
			}
			var missing []string
			for p := range want {
				if !got[p] {
					missing = append(missing, p)
				}
			}
			slices.Sort(missing)
			if len(missing) > 0 {
				t.Errorf("%s never sets %v: the equivalence tests do not compare them", c.name, missing)
			}
			if len(want) < 3 {
				t.Errorf("only %d fields found in %s: the walk has lost them", len(want), v.Type())
			}
		})
	}
}

// structPaths adds to paths every field reachable in typ: each field of
// a struct by name, and the fields of a slice's elements under "[]".
func structPaths(typ reflect.Type, prefix string, paths map[string]bool) {
	switch typ.Kind() {
	case reflect.Slice, reflect.Pointer:
		structPaths(typ.Elem(), prefix+"[]", paths)
	case reflect.Struct:
		for f := range typ.Fields() {
			p := prefix + "." + f.Name
			paths[p] = true
			structPaths(f.Type, p, paths)
		}
	}
}

// setPaths adds to paths the field paths (as structPaths names them)
// that are not zero in v.
func setPaths(v reflect.Value, prefix string, paths map[string]bool) {
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			setPaths(v.Index(i), prefix+"[]", paths)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			setPaths(v.Elem(), prefix+"[]", paths)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			p := prefix + "." + v.Type().Field(i).Name
			if !v.Field(i).IsZero() {
				paths[p] = true
			}
			setPaths(v.Field(i), p, paths)
		}
	}
}
