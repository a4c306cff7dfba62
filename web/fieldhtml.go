package web

import (
	"html/template"
	"strings"
)

// fieldHTML is the template function "fieldHTML": the "field" component
// for a FieldView or a SelectView, written in Go as fieldRule in
// components.html writes it (TestFieldMatchesRule), or "" for any other
// argument (a dict), which the rule renders. A form's fields were most
// of a form page's template actions, each through reflection (issue 15).
func fieldHTML(v any) template.HTML {
	var (
		f    FieldView
		opts []CheckOption
		sel  bool
	)
	switch x := v.(type) {
	case FieldView:
		f = x
	case *FieldView:
		if x == nil {
			return ""
		}
		f = *x
	case SelectView:
		f, opts, sel = x.FieldView, x.Options, true
	case *SelectView:
		if x == nil {
			return ""
		}
		f, opts, sel = x.FieldView, x.Options, true
	default:
		return ""
	}
	if f.Type == "select" && !sel {
		return "" // the rule fails: a FieldView has no Options
	}
	var b strings.Builder
	b.Grow(256 + len(f.Hint) + len(f.Error) + len(f.Value) + 64*len(opts))
	b.WriteString("\n<div class=\"field")
	if f.Error != "" {
		b.WriteString(" field-invalid")
	}
	b.WriteString("\">\n  <label for=\"")
	writeHTMLText(&b, f.Name)
	b.WriteString("\">")
	writeHTMLText(&b, f.Label)
	if !f.Required {
		b.WriteString(" <span class=\"optional\">(optional)</span>")
	}
	b.WriteString("</label>\n  ")
	if f.Hint != "" {
		b.WriteString("<p class=\"hint\" id=\"")
		writeHTMLText(&b, f.Name)
		b.WriteString("-hint\">")
		writeHTMLText(&b, f.Hint)
		b.WriteString("</p>")
	}
	b.WriteString("\n  ")
	if f.Error != "" {
		b.WriteString("<p class=\"field-error\" id=\"")
		writeHTMLText(&b, f.Name)
		b.WriteString("-error\"><span class=\"visually-hidden\">Error: </span>")
		writeHTMLText(&b, f.Error)
		b.WriteString("</p>")
	}
	b.WriteString("\n  ")
	switch f.Type {
	case "textarea":
		b.WriteString("<textarea")
		writeFieldAttrs(&b, &f)
		b.WriteString(" rows=\"5\">")
		writeHTMLText(&b, f.Value)
		b.WriteString("</textarea>\n  ")
	case "select":
		b.WriteString("<select")
		writeFieldAttrs(&b, &f)
		b.WriteString(">")
		for _, o := range opts {
			b.WriteString("<option value=\"")
			writeHTMLText(&b, o.Value)
			b.WriteString("\"")
			if o.Checked {
				b.WriteString(" selected")
			}
			b.WriteString(">")
			writeHTMLText(&b, o.Label)
			b.WriteString("</option>")
		}
		b.WriteString("</select>\n  ")
	default:
		b.WriteString("<input")
		writeFieldAttrs(&b, &f)
		b.WriteString(" type=\"")
		writeHTMLText(&b, f.Type)
		b.WriteString("\"")
		if f.Value != "" {
			b.WriteString(" value=\"")
			writeHTMLText(&b, f.Value)
			b.WriteString("\"")
		}
		if f.Inputmode != "" {
			b.WriteString(" inputmode=\"")
			writeHTMLText(&b, f.Inputmode)
			b.WriteString("\"")
		}
		b.WriteString(">")
	}
	b.WriteString("\n</div>\n")
	return template.HTML(b.String())
}

// writeFieldAttrs writes the "fieldAttrs" component.
func writeFieldAttrs(b *strings.Builder, f *FieldView) {
	b.WriteString(" id=\"")
	writeHTMLText(b, f.Name)
	b.WriteString("\" name=\"")
	writeHTMLText(b, f.Name)
	b.WriteString("\"")
	if f.Autocomplete != "" {
		b.WriteString(" autocomplete=\"")
		writeHTMLText(b, f.Autocomplete)
		b.WriteString("\"")
	}
	if f.Required {
		b.WriteString(" required")
	}
	if f.Error != "" {
		b.WriteString(" aria-invalid=\"true\"")
	}
	if f.Hint != "" || f.Error != "" {
		b.WriteString(" aria-describedby=\"")
		if f.Hint != "" {
			writeHTMLText(b, f.Name)
			b.WriteString("-hint")
		}
		if f.Hint != "" && f.Error != "" {
			b.WriteString(" ")
		}
		if f.Error != "" {
			writeHTMLText(b, f.Name)
			b.WriteString("-error")
		}
		b.WriteString("\"")
	}
}
