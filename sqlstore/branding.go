package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/fieldportal/fieldportal"
)

// The organisation's logo (SPEC §4's header): stored as a file named by
// its SHA-256, which is also its URL, so browsers may cache it for ever.

// maxLogoBytes bounds a logo; the console checks it first with a message.
const maxLogoBytes = 512 << 10

// SetLogo stores a logo image, already checked by content by the caller,
// and makes it the organisation's logo, in one transaction with the
// settings that name it and the audit entry; admins only. Empty data
// removes the logo.
func (d *DB) SetLogo(ctx context.Context, v fieldportal.Viewer, data []byte, contentType string) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change settings.")
	}
	var sha string
	if len(data) > 0 {
		switch {
		case contentType != "image/png" && contentType != "image/jpeg":
			return fieldportal.FieldErrorf("logo", "The logo must be a PNG or JPEG image.")
		case len(data) > maxLogoBytes:
			return fieldportal.FieldErrorf("logo", "The logo must be at most 512 KB.")
		}
		sum := sha256.Sum256(data)
		sha = hex.EncodeToString(sum[:])
	} else {
		contentType = ""
	}
	return d.inTx(ctx, func(tx *Tx) error {
		st, err := tx.findSettings(ctx, v.OrgID)
		if err != nil {
			return err
		}
		if sha != "" {
			if err := tx.putBlob(ctx, v.OrgID, fieldportal.LogoStorageKey(v.OrgID, sha), data); err != nil {
				return err
			}
		}
		st.Branding.Logo, st.Branding.LogoType = sha, contentType
		if err := tx.putSettings(ctx, v.OrgID, st); err != nil {
			return err
		}
		action := "settings.logo_set"
		if sha == "" {
			action = "settings.logo_removed"
		}
		return tx.audit(ctx, v, action, "organisation", v.OrgID, sha)
	})
}

// FindLogo returns the organisation's current logo stored under its
// SHA-256, for anyone: it shows on the sign-in page. An old or unknown
// hash is "not found".
func (d *DB) FindLogo(ctx context.Context, orgID, sha string) ([]byte, string, error) {
	st, err := d.FindSettings(ctx, orgID)
	if err != nil {
		return nil, "", err
	}
	if st.Branding.Logo == "" || sha != st.Branding.Logo {
		return nil, "", fieldportal.NotFound("logo")
	}
	data, err := d.GetBlob(ctx, orgID, fieldportal.LogoStorageKey(orgID, sha))
	if err != nil {
		return nil, "", err
	}
	return data, st.Branding.LogoType, nil
}
