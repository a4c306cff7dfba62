package fieldportal

import (
	"strings"
	"time"
)

// Asset is a piece of equipment at a site that is serviced and tested.
type Asset struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"-"`
	ExternalID      string    `json:"external_id,omitempty"`
	Number          string    `json:"number"`
	CustomerID      string    `json:"customer_id"`
	SiteID          string    `json:"site_id"`
	Type            string    `json:"type"`
	Name            string    `json:"name"`
	Location        string    `json:"location"`
	Serial          string    `json:"serial"`
	Make            string    `json:"make"`
	Model           string    `json:"model"`
	ServiceLevel    string    `json:"service_level"`
	ServiceInterval string    `json:"service_interval"` // weekly, monthly, quarterly, six_monthly, yearly
	NextServiceDue  Date      `json:"next_service_due,omitzero"`
	InstalledOn     Date      `json:"installed_on,omitzero"`
	Status          string    `json:"status"` // active, inactive, removed
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	SiteName string `json:"site_name,omitempty"`
}

// Validate checks an asset before it is saved.
func (a *Asset) Validate() error {
	var v Validation
	if strings.TrimSpace(a.Number) == "" {
		v.Add("number", "Number is required.")
	}
	if a.SiteID == "" {
		v.Add("site_id", "Site is required.")
	}
	if strings.TrimSpace(a.Type) == "" {
		v.Add("type", "Type is required.")
	}
	if strings.TrimSpace(a.Name) == "" {
		v.Add("name", "Name is required.")
	}
	switch a.Status {
	case "active", "inactive", "removed":
	default:
		v.Add("status", "Status must be active, inactive or removed.")
	}
	return v.Err()
}

// AssetFilter selects assets.
type AssetFilter struct {
	Page
	Search       string // number, name, location, serial
	SiteID       string
	Type         string
	UpdatedSince time.Time
}

// TestResult is the outcome of an asset test.
type TestResult string

// Test results.
const (
	TestPass      TestResult = "pass"
	TestFail      TestResult = "fail"
	TestNotTested TestResult = "not_tested"
)

// AssetTest is one service or test result of an asset.
type AssetTest struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"-"`
	ExternalID  string     `json:"external_id,omitempty"`
	AssetID     string     `json:"asset_id"`
	JobID       string     `json:"job_id,omitempty"`
	TestedOn    Date       `json:"tested_on"`
	Result      TestResult `json:"result"`
	Technician  string     `json:"technician"`
	Notes       string     `json:"notes"`
	RectifiedAt time.Time  `json:"rectified_at,omitzero"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`

	// The asset's number, name and type, read with the test so that the
	// Test history report and its CSV need no second query.
	AssetNumber string `json:"asset_number,omitempty"`
	AssetName   string `json:"asset_name,omitempty"`
	AssetType   string `json:"asset_type,omitempty"`
}

// Validate checks a test before it is saved.
func (t *AssetTest) Validate() error {
	var v Validation
	if t.AssetID == "" {
		v.Add("asset_id", "Asset is required.")
	}
	if t.TestedOn.IsZero() {
		v.Add("tested_on", "Test date is required.")
	}
	switch t.Result {
	case TestPass, TestFail, TestNotTested:
	default:
		v.Add("result", "Result must be pass, fail or not_tested.")
	}
	if !t.RectifiedAt.IsZero() && t.Result != TestFail {
		v.Add("rectified_at", "Only a failed test can be rectified.")
	}
	return v.Err()
}

// AssetTestFilter selects tests (the Test history report).
type AssetTestFilter struct {
	Page
	AssetID      string
	SiteID       string
	AssetType    string
	Result       TestResult
	From, To     Date
	UpdatedSince time.Time
}

// AssetTransfer records an asset moved between sites.
type AssetTransfer struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"-"`
	ExternalID    string    `json:"external_id,omitempty"`
	AssetID       string    `json:"asset_id"`
	FromSiteID    string    `json:"from_site_id"`
	ToSiteID      string    `json:"to_site_id"`
	TransferredOn Date      `json:"transferred_on"`
	Note          string    `json:"note"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Validate checks a transfer before it is saved.
func (t *AssetTransfer) Validate() error {
	var v Validation
	if t.AssetID == "" {
		v.Add("asset_id", "Asset is required.")
	}
	if t.FromSiteID == "" || t.ToSiteID == "" {
		v.Add("to_site_id", "Both sites are required.")
	} else if t.FromSiteID == t.ToSiteID {
		v.Add("to_site_id", "The new site must differ from the old one.")
	}
	if t.TransferredOn.IsZero() {
		v.Add("transferred_on", "Transfer date is required.")
	}
	return v.Err()
}

// AssetDefect is one row of the Current defects report: an asset whose
// latest test failed and has not been rectified, with that test.
type AssetDefect struct {
	Asset *Asset     `json:"asset"`
	Test  *AssetTest `json:"test"`
}
