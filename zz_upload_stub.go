package fieldportal

// TEMPORARY until main has the upload API; deleted before merging main.
type Upload struct {
	Name, ContentType string
	Data              []byte
}
