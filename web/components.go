package web

// The view types of the kit's other components (components.html). As with
// the list components, a template may pass a dict with the same keys
// instead: {{template "badge" (dict "Text" "Overdue" "Tone" "danger")}}.

// RecordHeader is the top of a record's page (the "recordHeader"
// component): a way back, the title, what the record is, its status and
// what can be done with it.
type RecordHeader struct {
	// BackURL and BackLabel lead to the list the record is in.
	BackURL, BackLabel string
	// Title is the page's <h1>.
	Title    string
	Subtitle string
	Badges   []Badge
	Actions  []Action
}

// Action is a button of a record header: a link, or with Method "post" a
// form that posts Field=Value to URL.
type Action struct {
	Label, URL string
	// Style is "" (the main action), "secondary" or "danger".
	Style  string
	Method string
	// Field and Value are the posted form's one field.
	Field, Value string
}

// Detail is one label and value of a definition list (the "details"
// component). Lines, when set, are shown one to a line instead of Value
// (an address); Pre keeps the value's own line breaks (notes).
type Detail struct {
	Label, Value string
	Lines        []string
	Pre          bool
}

// SelectView is a labelled drop-down: the "field" component renders it
// when Type is "select". The Checked option is selected.
type SelectView struct {
	FieldView
	Options []CheckOption
}

// Choices is a group of checkboxes or radio buttons under a legend (the
// "choices" component).
type Choices struct {
	// Name is the inputs' name and the fieldset's id (the error summary
	// links to it).
	Name, Legend string
	// Type is "checkbox" or "radio".
	Type        string
	Hint, Error string
	Options     []CheckOption
	// Columns lays short options out in columns on a wide screen.
	Columns bool
}

// EmptyState is what a list says when it has nothing to show (the
// "empty" component): what is (not) here, and what to do next.
type EmptyState struct {
	Title, Text string
	// ActionURL and ActionLabel are the next step, if there is one.
	ActionURL, ActionLabel string
}

// Notice is a message about what just happened or what to mind (the
// "notice" component). Tone is "success" (the default), "info",
// "warning" or "error"; an error is announced at once (role=alert).
type Notice struct {
	Text, Tone string
}
