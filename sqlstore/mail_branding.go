package sqlstore

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// Every mail is branded as it is queued, in one place for every mail
// present and future: the templates are given the organisation's name
// (Organisation.Name), which becomes the name its settings show to
// customers (Branding.DisplayName) when one is set, and a customer's mail
// ends with the support phone and email of the settings.

// brandMail brands a mail message about to be queued.
func (tx *Tx) brandMail(ctx context.Context, m *fieldportal.OutboxMessage) error {
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, m.OrgID).Scan(&name); err != nil {
		return sqlErr(err, "organisation")
	}
	st, err := tx.findSettings(ctx, m.OrgID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil // no settings saved: nothing to brand with
	} else if err != nil {
		return err
	}
	b := st.Branding
	// One line, whatever was saved: a name adds no line to a mail.
	shown := strings.Join(strings.FieldsFunc(b.DisplayName, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if shown != "" && strings.TrimSpace(name) != "" && shown != name {
		m.Subject, m.Payload = replaceName(m.Subject, name, shown), replaceName(m.Payload, name, shown)
	}
	if footer := mail.SupportFooter(b.SupportPhone, b.SupportEmail); footer != "" && !mail.ForStaff(m.Topic) {
		m.Payload = strings.TrimRight(m.Payload, "\n") + "\n" + footer
	}
	return nil
}

// replaceName replaces name in s by shown where it stands as a name, not
// inside a longer word ("Acme" in "Acmeson" stays) nor inside a link or an
// address (a host, a token of a link, a mailbox: "acme" in
// "https://acme.example/setup/..." stays, which would otherwise break).
func replaceName(s, name, shown string) string {
	var b strings.Builder
	word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	done := 0 // s[:done] is written
	for from := 0; ; {
		i := strings.Index(s[from:], name)
		if i < 0 {
			break
		}
		i += from
		end := i + len(name)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !(i > 0 && word(before)) && !(end < len(s) && word(after)) && !inLink(s, i, end) {
			b.WriteString(s[done:i])
			b.WriteString(shown)
			done = end
		}
		from = end
	}
	b.WriteString(s[done:])
	return b.String()
}

// inLink reports whether s[i:end] is part of a link or an address: the
// run of text without spaces around it holds a "/" or an "@".
func inLink(s string, i, end int) bool {
	start, stop := strings.LastIndexFunc(s[:i], unicode.IsSpace)+1, len(s)
	if j := strings.IndexFunc(s[end:], unicode.IsSpace); j >= 0 {
		stop = end + j
	}
	return strings.ContainsAny(s[start:stop], "/@")
}
