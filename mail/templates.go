package mail

import (
	"embed"
	"strings"
	"text/template"
	"time"
	"unicode"
)

// The mails are plain text: every mail client shows them, and nothing a
// user typed (a name, an organisation's name) can become markup. A later
// HTML alternative must use html/template.

//go:embed templates/*.txt
var templateFS embed.FS

// templates holds one set per file, as each file defines its own
// "subject" and "text"; parsed once from the embedded files, so a broken
// template fails every test at once.
var templates = parseTemplates()

func parseTemplates() map[string]*template.Template {
	files, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		out[f.Name()] = template.Must(template.New(f.Name()).Option("missingkey=error").ParseFS(templateFS, "templates/"+f.Name()))
	}
	return out
}

// mailData is what the templates see; every field is one line of text.
type mailData struct {
	Org, Name, Link, Expires, ReceiptNo, Amount string
	Number, Site, Answer, Title                 string
	// When and Technician describe a scheduled job.
	When, Technician string
	// Email is the new address of an email change.
	Email string
	// MayAnswer: the quote's recipient may accept or decline it online
	// (only quote contacts may, issue 16).
	MayAnswer bool
}

// Invite is the invitation to a new portal login (SPEC §3): link sets the
// first password and works until expires. The caller sets To.
func Invite(org, name, link string, expires time.Time) Message {
	return render("invite.txt", mailData{Org: org, Name: name, Link: link,
		Expires: expires.UTC().Format("2 January 2006 at 15:04 UTC")})
}

// EmailChange is the mail to a contact's new address with the link that
// confirms it (issue 20); it works until expires. The caller sets To.
func EmailChange(org, name, email, link string, expires time.Time) Message {
	return render("email_change.txt", mailData{Org: org, Name: name, Email: email, Link: link,
		Expires: expires.UTC().Format("2 January 2006 at 15:04 UTC")})
}

// EmailChangeRequested tells a contact's current address that a change
// to email was asked for, so that a change from a stolen session does not
// go unseen. The caller sets To (the current address).
func EmailChangeRequested(org, name, email string) Message {
	return render("email_change_requested.txt", mailData{Org: org, Name: name, Email: email})
}

// EmailChanged tells a contact's old address that the account's address
// is now email. The caller sets To (the old address).
func EmailChanged(org, name, email string) Message {
	return render("email_changed.txt", mailData{Org: org, Name: name, Email: email})
}

// PasswordReset is the mail with a password reset link. The caller sets To.
func PasswordReset(org, name, link string) Message {
	return render("reset.txt", mailData{Org: org, Name: name, Link: link})
}

// Receipt confirms a payment; amount is already formatted with its
// currency. The caller sets To.
func Receipt(org, name, receiptNo, amount string) Message {
	return render("receipt.txt", mailData{Org: org, Name: name, ReceiptNo: receiptNo, Amount: amount})
}

// InvoiceIssued tells a customer's invoice contact that an invoice is
// issued: amount is formatted with its currency, due is the due date
// (formatted) and link opens the invoice in the portal. The caller sets To.
func InvoiceIssued(org, name, number, site, amount, due, link string) Message {
	return render("invoice_issued.txt", mailData{Org: org, Name: name, Number: number, Site: site, Amount: amount,
		Expires: due, Link: link})
}

// QuoteSent tells a customer's quote contact that a quote is priced and
// waiting for an answer; amount is already formatted with its currency,
// validUntil is the last day the price holds and link opens the quote in
// the portal. mayAnswer says whether the recipient has the quote role
// (only quote contacts answer quotes); the mail invites only them to. The
// caller sets To.
func QuoteSent(org, name, number, site, amount, validUntil, link string, mayAnswer bool) Message {
	return render("quote_sent.txt", mailData{Org: org, Name: name, Number: number, Site: site, Amount: amount,
		Expires: validUntil, Link: link, MayAnswer: mayAnswer})
}

// QuoteAnswered tells the office that a customer accepted or declined a
// quote online: answer is "accepted" or "declined", signer the typed
// name, at when it was signed (formatted) and link opens the quote in the
// staff console. The caller sets To.
func QuoteAnswered(org, signer, answer, number, site, at, link string) Message {
	return render("quote_answered.txt", mailData{Org: org, Name: signer, Answer: answer, Number: number, Site: site,
		Expires: at, Link: link})
}

// IssueAnswered tells a contact that the operator commented on an issue;
// link opens the issue in the portal. The comment itself stays in the
// portal, behind the contact's sign-in. The caller sets To.
func IssueAnswered(org, name, number, title, link string) Message {
	return render("issue_answered.txt", mailData{Org: org, Name: name, Number: number, Title: title, Link: link})
}

// MessageToOffice tells the office that a customer wrote on a thread
// (issue 22): name is the writer, title the record, link the console's
// thread page. One mail covers every message of its window. The caller
// sets To.
func MessageToOffice(org, name, title, link string) Message {
	return render("message_office.txt", mailData{Org: org, Name: name, Title: title, Link: link})
}

// MessageToCustomer tells a contact that the office wrote on a thread
// about title; link opens the record's page in the portal, where the
// message is, behind the contact's sign-in. The caller sets To.
func MessageToCustomer(org, name, title, link string) Message {
	return render("message_customer.txt", mailData{Org: org, Name: name, Title: title, Link: link})
}

// JobScheduled tells a job's contact when the job is booked in and who
// comes; when is already written in the organisation's zone and link opens
// the job in the portal. The caller sets To.
func JobScheduled(org, name, number, when, technician, link string) Message {
	return render("job_scheduled.txt", mailData{Org: org, Name: name, Number: number, When: when, Technician: technician, Link: link})
}

// OnTheWay tells a site's job contact that the technician is on the way
// to the site, with the expected arrival (when, in the organisation's
// zone). The caller sets To.
func OnTheWay(org, name, number, site, technician, when, link string) Message {
	return render("on_the_way.txt", mailData{Org: org, Name: name, Number: number, Site: site, Technician: technician, When: when, Link: link})
}

// AutopayCancelled tells a customer's statement contact that automatic
// payment of a recurring invoice was turned off; amount is formatted with
// its currency, site may be empty. The caller sets To.
func AutopayCancelled(org, name, schedule, site, amount string) Message {
	return render("autopay_cancelled.txt", mailData{Org: org, Name: name, Title: schedule, Site: site, Amount: amount})
}

// AutopayFailed tells a customer's statement contact that the saved card
// was not charged for a raised invoice; reason is the provider's words
// fit for the payer. The caller sets To.
func AutopayFailed(org, name, number, schedule, amount, reason string) Message {
	return render("autopay_failed.txt", mailData{Org: org, Name: name, Number: number, Title: schedule, Amount: amount, Answer: reason})
}

// render fills a mail's subject and text. The templates are embedded and
// tested, so a failure is a programming error and panics.
func render(file string, d mailData) Message {
	for _, f := range []*string{&d.Org, &d.Name, &d.Link, &d.Expires, &d.ReceiptNo, &d.Amount, &d.Number, &d.Site, &d.Answer, &d.Title, &d.When, &d.Technician, &d.Email} {
		*f = oneLine(*f)
	}
	if d.Name == "" {
		d.Name = "there" // "Hello there," rather than "Hello ,"
	}
	t := templates[file]
	var subject, text strings.Builder
	if err := t.ExecuteTemplate(&subject, "subject", d); err != nil {
		panic(err)
	}
	if err := t.ExecuteTemplate(&text, "text", d); err != nil {
		panic(err)
	}
	return Message{Subject: subject.String(), Text: strings.TrimLeft(text.String(), "\n")}
}

// oneLine flattens line breaks and control characters to spaces, so that
// a name cannot add lines to a mail or headers to its subject.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// WebhookDisabled tells an admin that the delivery worker turned off a
// webhook endpoint whose deliveries kept failing; reason says how. The
// caller sets To.
func WebhookDisabled(org, name, url, reason string) Message {
	return render("webhook_disabled.txt", mailData{Org: org, Name: name, Link: url, Answer: reason})
}

// PasskeyAdded tells a contact or staff user that a passkey named name
// was added to its account (a security notice). The caller sets To.
func PasskeyAdded(org, greeting, name string) Message {
	return render("passkey_added.txt", mailData{Org: org, Name: greeting, Title: name})
}

// PasskeyRemoved tells a contact or staff user that its passkey named
// name was removed. The caller sets To.
func PasskeyRemoved(org, greeting, name string) Message {
	return render("passkey_removed.txt", mailData{Org: org, Name: greeting, Title: name})
}

// SecondFactorOn tells a person that an authenticator app now guards its
// sign-in (issue 21), so that one added from a stolen session is seen.
// The caller sets To.
func SecondFactorOn(org, name string) Message {
	return render("second_factor_on.txt", mailData{Org: org, Name: name})
}

// SecondFactorOff tells a person that it turned its authenticator app
// off. The caller sets To.
func SecondFactorOff(org, name string) Message {
	return render("second_factor_off.txt", mailData{Org: org, Name: name})
}

// SecondFactorRemoved tells a person that staff removed its second factor
// (it lost its phone, or asked). The caller sets To.
func SecondFactorRemoved(org, name string) Message {
	return render("second_factor_removed.txt", mailData{Org: org, Name: name})
}
