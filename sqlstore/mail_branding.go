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
	if shown := strings.TrimSpace(b.DisplayName); shown != "" && strings.TrimSpace(name) != "" && shown != name {
		m.Subject, m.Payload = replaceName(m.Subject, name, shown), replaceName(m.Payload, name, shown)
	}
	if footer := mail.SupportFooter(b.SupportPhone, b.SupportEmail); footer != "" && !mail.ForStaff(m.Topic) {
		m.Payload = strings.TrimRight(m.Payload, "\n") + "\n" + footer
	}
	return nil
}

// replaceName replaces name in s by shown where it stands as a name, not
// inside a longer word ("Acme" in "Acmeson" stays).
func replaceName(s, name, shown string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, name)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+len(name):])
		word := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
		b.WriteString(s[:i])
		if (i > 0 && word(before)) || (i+len(name) < len(s) && word(after)) {
			b.WriteString(name)
		} else {
			b.WriteString(shown)
		}
		s = s[i+len(name):]
	}
}
