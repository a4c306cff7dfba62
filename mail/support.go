package mail

import "strings"

// SupportFooter is the lines a customer's mail ends with: how to reach
// the organisation's support, by the phone and email its settings give;
// "" when it gives neither.
func SupportFooter(phone, email string) string {
	phone, email = oneLine(phone), oneLine(email)
	var ways []string
	if phone != "" {
		ways = append(ways, "call "+phone)
	}
	if email != "" {
		ways = append(ways, "email "+email)
	}
	if len(ways) == 0 {
		return ""
	}
	return "\n--\nQuestions? " + strings.Join(ways, " or ") + ".\n"
}

// ForStaff reports whether a mail's topic goes to the organisation's own
// staff (a quote answered, a webhook turned off) rather than a customer:
// those carry no support footer.
func ForStaff(topic string) bool { return topic == "quote_answered" || topic == "webhook_disabled" }
