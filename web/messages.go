package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fieldportal/fieldportal"
)

// ThreadView is a record's messages with the office and the form to
// write on it (issue 22): the "messageThread" component, shared by the
// portal's record pages and the console's thread page.
type ThreadView struct {
	Posts []PostView
	// Action is where the form posts; "" shows no form.
	Action string
	// Attach is the form's file input, AttachPath the start of a file's
	// address (the file's id is added).
	Body       FieldView
	FileHint   string
	FileError  string
	Errors     []fieldportal.FieldError
	Notice     string
	AttachPath string
	// From is sent back with the form ("record": the message was
	// written on the record's own page, to return to).
	From string
	// Side is who reads the page: "customer" or "office", so that the
	// other side's messages are marked.
	Side string
	// NoFiles hides the file input: a contact that may not upload (the
	// organisation hides the button, or no Documents) writes text only.
	NoFiles bool
}

// PostView is one message of a thread.
type PostView struct {
	Author     string
	Office     bool
	At         string // for the time element
	When       string
	Body       string
	Files      []PostFile
	Attachment string
}

// PostFile is a file of a message, with its download address.
type PostFile struct {
	Name, URL, Size string
	Image           bool
}

// NewThreadView builds the component for t, read in r's zone; action is
// the form's address ("" for none), attachPath the files' prefix,
// typed the text to keep after a refusal and err the refusal.
func (k *Kit) NewThreadView(r *http.Request, t *fieldportal.MessageThread, side, action, attachPath, typed string, err error) *ThreadView {
	loc := OrgLocation(r)
	view := &ThreadView{Action: action, AttachPath: attachPath, Side: side, FileHint: k.UploadTypesHint(r)}
	if v, ok := ViewerFromContext(r.Context()); ok && v.IsContact() && !v.CanDo(fieldportal.ActionUpload) {
		view.NoFiles = true
	}
	for _, m := range t.Posts {
		p := PostView{Author: m.AuthorName, Office: m.From == fieldportal.MessageFromOffice, Body: m.Body,
			At: m.CreatedAt.In(loc).Format(time.RFC3339), When: FormatDateTime(m.CreatedAt.In(loc))}
		for _, a := range m.Attachments {
			p.Files = append(p.Files, PostFile{Name: a.Name, URL: attachPath + a.ID, Size: SizeText(a.Size), Image: a.IsImage()})
		}
		view.Posts = append(view.Posts, p)
	}
	view.Body = FieldView{Name: "body", Label: "Your message", Type: "textarea", Value: typed, Required: true}
	if err != nil {
		errs := ErrorsOf(err)
		view.Body.Error, view.FileError = errs["body"], errs["attachments"]
		var e *fieldportal.Error
		if errors.As(err, &e) {
			view.Errors = e.Fields
			if len(view.Errors) == 0 {
				view.Errors = []fieldportal.FieldError{{Field: e.Field, Message: fieldportal.ErrorMessage(err)}}
			}
		}
	}
	return view
}

// SizeText writes a file's size for people: 820 bytes, 14 KB, 3.2 MB.
func SizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}
