package web

// Styleguide is the demo data the console's style guide renders every
// component with.
type Styleguide struct {
	Currency string
}

// StyleguideDemo returns the style guide's demo values in a currency.
func StyleguideDemo(currency string) Styleguide {
	return Styleguide{Currency: currency}
}
