package api

import (
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Messages between customers and the office (issue 22), one thread per
// record: the back office lists them (by record, by updated_since) and
// writes as the office. A message.created webhook announces each one.

// Message is a message of a record's thread as the API shows it.
type Message struct {
	ID          string              `json:"id"`
	ThreadID    string              `json:"thread_id" doc:"The record's thread: one per record."`
	RecordKind  string              `json:"record_kind" doc:"job, quote, invoice, issue or site."`
	RecordID    string              `json:"record_id" doc:"The id of the job, quote, invoice, issue or site."`
	Body        string              `json:"body"`
	From        string              `json:"from" doc:"customer (a contact in the portal) or office (staff or the back office)."`
	AuthorName  string              `json:"author_name"`
	ContactID   *string             `json:"contact_id" doc:"The contact who wrote it; null for the office."`
	StaffID     *string             `json:"staff_id" doc:"The staff user who wrote it in the console; null otherwise."`
	Attachments []MessageAttachment `json:"attachments"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
}

// MessageAttachment is a file sent with a message.
type MessageAttachment struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type" doc:"The type detected from the file's content."`
	Size        int64  `json:"size" doc:"In bytes."`
	SHA256      string `json:"sha256"`
	ContentURL  string `json:"content_url" doc:"Where the file downloads."`
}

// MessageInput is the body of a message the office writes.
type MessageInput struct {
	RecordKind string `json:"record_kind" doc:"job, quote, invoice, issue or site."`
	RecordID   string `json:"record_id"`
	Body       string `json:"body" doc:"The text, up to 5000 characters."`
}

// MessageUpload is the multipart/form-data body of a message with files:
// the fields of MessageInput and the files, each in a part named
// attachments.
type MessageUpload struct {
	RecordKind  string     `json:"record_kind" doc:"Required: job, quote, invoice, issue or site."`
	RecordID    string     `json:"record_id" doc:"Required."`
	Body        string     `json:"body" doc:"Required: the text, up to 5000 characters."`
	Attachments []FilePart `json:"attachments" doc:"The files, each in a part named attachments, at most 10, each at most the organisation's upload limit (25 MB unless it set another). Their types are detected from their bytes, as the console's: PDF, photos, text or CSV and office files are taken, anything a browser could run is refused. Sent with an Idempotency-Key, the whole body may be at most the largest upload limit and 1 MB."`
}

func init() {
	typeDocs[reflect.TypeFor[Message]()] = "A message on a record's thread between the customer's contacts and the office."
	typeDocs[reflect.TypeFor[MessageAttachment]()] = "A file sent with a message."
}

// ShowMessage is the API's representation of a message.
func ShowMessage(m *fieldportal.Message) Message {
	out := Message{ID: m.ID, ThreadID: m.ThreadID, RecordKind: m.RecordKind, RecordID: m.RecordID, Body: m.Body, From: m.From,
		AuthorName: m.AuthorName, ContactID: optional(m.ContactID), StaffID: optional(m.StaffID),
		Attachments: []MessageAttachment{}, CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, MessageAttachment{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
			ContentURL: Prefix + "/message-attachments/" + url.PathEscape(a.ID) + "/content"})
	}
	return out
}

func (a *API) messageRoutes() []route {
	filters := []param{
		filter("record_kind", "Only the messages on records of this kind: job, quote, invoice, issue or site."),
		filter("record_id", "Only the messages on this record's thread."),
	}
	return []route{
		{Method: "GET", Path: "/messages", ID: "listMessages", Summary: "List messages, oldest change first", Tag: "messages",
			Query: listParams(filters...), Resp: List[Message]{}, Handler: func(w http.ResponseWriter, r *http.Request) {
				a.listMessages(w, r, filterNames(filters))
			}},
		{Method: "POST", Path: "/messages", ID: "createMessage", Summary: "Write a message as the office on a record's thread",
			Tag: "messages", Body: MessageInput{}, MultipartBody: MessageUpload{}, Resp: Message{}, Status: http.StatusCreated,
			Handler: a.createMessage},
		{Method: "GET", Path: "/message-attachments/{id}/content", ID: "getMessageAttachmentContent",
			Summary: "Download a file sent with a message", Tag: "messages", Binary: true, Handler: a.getMessageAttachmentContent},
	}
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request, filters []string) {
	lq, err := parseList(r, filters...)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	kind := lq.Filters["record_kind"]
	if kind != "" && !slices.Contains(fieldportal.ThreadRecordKinds, kind) {
		a.problem(w, r, badRequest(fieldportal.FieldError{Field: "record_kind", Message: "Record kind must be job, quote, invoice, issue or site."}))
		return
	}
	horizon, err := a.horizon(r, lq)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	list, next, err := a.svc.Messages.FindMessages(r.Context(), viewer(r), fieldportal.MessageFilter{Page: lq.Page,
		UpdatedSince: lq.Since(), RecordKind: kind, RecordID: lq.Filters["record_id"]})
	if err != nil {
		a.problem(w, r, listError(err))
		return
	}
	a.json(w, r, http.StatusOK, page(lq, list, next, horizon,
		func(m *fieldportal.Message) time.Time { return m.UpdatedAt }, ShowMessage))
}

// getMessageAttachmentContent answers a message's file as documents'
// bytes are answered; a file on a thread out of reach is a 404.
func (a *API) getMessageAttachmentContent(w http.ResponseWriter, r *http.Request) {
	f, rc, err := a.svc.Messages.OpenMessageAttachment(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	web.ServeDocument(w, r, &fieldportal.Document{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256}, rc, false)
}

// messageUploadFields are the text fields of a message sent as
// multipart/form-data.
var messageUploadFields = jsonFields(reflect.TypeFor[MessageUpload]())

// createMessage writes a message as the office: JSON for text alone,
// multipart/form-data for a message with files, read by the same reader
// as the console's message form (web.Kit.ReadUploadForm: streamed, within
// the organisation's upload limit, each file's type detected from its
// bytes) and stored by the same service call.
func (a *API) createMessage(w http.ResponseWriter, r *http.Request) {
	var in fieldportal.NewMessage
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
		form, files, err := a.kit.ReadUploadForm(w, r, "attachments")
		if err != nil {
			a.problem(w, r, err)
			return
		}
		bad := checkUploadFields(form, messageUploadFields, "attachments")
		if err := bad.Err(); err != nil {
			a.problem(w, r, err)
			return
		}
		in = fieldportal.NewMessage{RecordKind: form.Get("record_kind"), RecordID: form.Get("record_id"), Body: form.Get("body"), Files: files}
	} else {
		var body MessageInput
		if _, err := decodeJSON(w, r, &body); err != nil {
			a.problem(w, r, err)
			return
		}
		in = fieldportal.NewMessage{RecordKind: body.RecordKind, RecordID: body.RecordID, Body: body.Body}
	}
	m, err := a.svc.Messages.PostMessage(r.Context(), viewer(r), &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.json(w, r, http.StatusCreated, ShowMessage(m))
}
