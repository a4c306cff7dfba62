package web

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
)

// mustFieldPages parses a page that renders its argument with "field"
// and one that renders it with "fieldRule".
func mustFieldPages(tb testing.TB) *Pages {
	tb.Helper()
	k := &Kit{assets: map[string]staticAsset{"passkeys.js": {hash: "h"}}}
	p, err := k.ParsePages(fstest.MapFS{
		"field.html": {Data: []byte(`<form>{{template "field" .}}</form>`)},
		"rule.html":  {Data: []byte(`<form>{{template "fieldRule" .}}</form>`)},
	}, "*.html")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// renderField renders arg with page, or returns the error.
func renderField(p *Pages, page string, arg any) (string, error) {
	var b bytes.Buffer
	err := p.set[page].ExecuteTemplate(&b, page+".html", arg)
	return b.String(), err
}

// randomField draws a field from layoutTexts, each part set or empty at
// random, of every type "field" tells apart.
func randomField(rng *rand.Rand) FieldView {
	s := func() string {
		if rng.IntN(2) == 0 {
			return ""
		}
		return layoutTexts[rng.IntN(len(layoutTexts))]
	}
	types := []string{"text", "textarea", "email", "password", "", "date", "<x>"}
	return FieldView{Name: s(), Label: s(), Type: types[rng.IntN(len(types))], Value: s(), Hint: s(), Error: s(),
		Autocomplete: s(), Required: rng.IntN(2) == 0, Inputmode: s()}
}

// randomOptions draws up to three options of a select from layoutTexts.
func randomOptions(rng *rand.Rand) []CheckOption {
	var out []CheckOption
	for range rng.IntN(4) {
		o := randomField(rng)
		out = append(out, CheckOption{Value: o.Value, Label: o.Label, Checked: o.Required})
	}
	return out
}

// TestFieldMatchesRule checks that fieldHTML writes what fieldRule
// renders, byte for byte, for fields and selects (values and pointers)
// drawn at random, and that "field" still renders the rule, and fails as
// it does, for the arguments fieldHTML leaves to it.
func TestFieldMatchesRule(t *testing.T) {
	p := mustFieldPages(t)
	rng := rand.New(rand.NewPCG(15, 28))
	for i := range 3000 {
		f := randomField(rng)
		var arg any = f
		switch i % 4 {
		case 1:
			arg = &f
		case 2, 3:
			f.Type = "select"
			if i%8 < 4 {
				f.Type = randomField(rng).Type
			}
			sv := SelectView{FieldView: f, Options: randomOptions(rng)}
			arg = sv
			if i%4 == 3 {
				arg = &sv
			}
		}
		if fieldHTML(arg) == "" {
			t.Fatalf("field %d %#v: fieldHTML left it to the rule", i, arg)
		}
		got, err := renderField(p, "field", arg)
		want, werr := renderField(p, "rule", arg)
		if err != nil || werr != nil || got != want {
			t.Fatalf("field %d %#v differs from its rule (errors %v, %v):\nfield: %q\nrule:  %q", i, arg, err, werr, got, want)
		}
	}
	t.Run("a dict is the rule's", func(t *testing.T) {
		arg := map[string]any{"Name": "n", "Label": "L & M", "Type": "textarea", "Value": 12, "Required": true}
		got, err := renderField(p, "field", arg)
		want, _ := renderField(p, "rule", arg)
		if err != nil || got != want || !strings.Contains(got, ">12</textarea>") {
			t.Errorf("dict: %v\nfield: %q\nrule:  %q", err, got, want)
		}
	})
	t.Run("a select of a FieldView fails as the rule does", func(t *testing.T) {
		arg := FieldView{Name: "n", Type: "select"}
		if _, err := renderField(p, "field", arg); err == nil || !strings.Contains(err.Error(), "Options") {
			t.Errorf("err = %v, want the rule's (no field Options)", err)
		}
	})
}
