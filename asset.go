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
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`

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
	// CustomerID and ExternalID narrow to one customer's assets and to
	// the asset of one back-office id (the API's filters).
	CustomerID, ExternalID string
	// Status is active, inactive or removed; "" for every status.
	Status string
	// Due narrows to the assets whose next service is overdue, due this
	// month or later, as of Today; "" for all (AssetDue).
	Due AssetDue
	// Today is the organisation's date that Due is measured from; the
	// zero date is today in UTC.
	Today Date
	// Sort orders the list; ignored with UpdatedSince.
	Sort AssetSort
}

// AssetDue is the service-due filter of the assets list.
type AssetDue string

// The service-due choices: overdue is due before today, this month is
// due from today to the month's last day, later is due after that.
const (
	AssetDueOverdue   AssetDue = "overdue"
	AssetDueThisMonth AssetDue = "month"
	AssetDueLater     AssetDue = "later"
)

// ParseAssetDue reads a due filter; "" is no filter, anything unknown is
// a field error naming the filter.
func ParseAssetDue(s string) (AssetDue, error) {
	switch d := AssetDue(strings.TrimSpace(s)); d {
	case "", AssetDueOverdue, AssetDueThisMonth, AssetDueLater:
		return d, nil
	}
	return "", FieldErrorf("due", "Service due must be overdue, this month or later.")
}

// Range returns the first and last due dates (inclusive) that d selects
// as of today; a zero end means no end, a zero start no start.
func (d AssetDue) Range(today Date) (from, to Date) {
	end := DateOf(time.Date(today.Year, today.Month+1, 0, 0, 0, 0, 0, time.UTC))
	switch d {
	case AssetDueOverdue:
		return Date{}, today.AddDays(-1)
	case AssetDueThisMonth:
		return today, end
	case AssetDueLater:
		return end.AddDays(1), Date{}
	}
	return Date{}, Date{}
}

// AssetSort is an order of the assets list.
type AssetSort string

// The assets list's orders. AssetSortType, the zero value, is (type,
// number): the API's and the booking form's. AssetSortSite groups by site
// and then by type (the portal's list); AssetSortNumber is by number.
const (
	AssetSortType   AssetSort = ""
	AssetSortSite   AssetSort = "site"
	AssetSortNumber AssetSort = "number"
)

// AssetStatuses are the statuses an asset may have, in the order the
// filter offers them.
var AssetStatuses = []string{"active", "inactive", "removed"}

// AssetGroupCount is how many assets of one type at one site match a
// filter: the counts beside the assets list's group headings.
type AssetGroupCount struct {
	SiteID string `json:"site_id"`
	Type   string `json:"type"`
	Count  int    `json:"count"`
}

// AssetTransferFilter selects one asset's transfers, a page at a time.
type AssetTransferFilter struct {
	Page
	// AssetID is one asset's transfers; "" lists the transfers of every
	// asset the viewer reaches (the API).
	AssetID string
	// UpdatedSince lists the transfers changed after it, oldest change
	// first (API sync).
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
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`

	// The asset's number, name and type, read with the test so that the
	// Test history report and its CSV need no second query.
	AssetNumber string `json:"asset_number,omitempty"`
	AssetName   string `json:"asset_name,omitempty"`
	AssetType   string `json:"asset_type,omitempty"`
	// SiteName is the name of the asset's site, read only in lists of
	// tests (the Test history report): a parent's come from many sites.
	SiteName string `json:"site_name,omitempty"`

	// The test's job as the asset's service history shows it (read only
	// there): its number and kind, empty when the job's site is out of
	// the viewer's reach (a test made before the asset was transferred).
	JobNumber string  `json:"job_number,omitempty"`
	JobKind   JobKind `json:"job_kind,omitempty"`
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
	// ExternalID narrows to the test of one back-office id (the API).
	ExternalID string
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

	// The sites' names, read by the asset's transfer history only; empty
	// for a site out of the viewer's reach, which is never named.
	FromSiteName string `json:"from_site_name,omitempty"`
	ToSiteName   string `json:"to_site_name,omitempty"`
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
