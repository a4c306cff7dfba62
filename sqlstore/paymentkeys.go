package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// An organisation's payment keys (issue 17): the secret ones sealed with
// the install's secret; never returned to a page whole. That secret is
// itself a row of server_secrets in the same database, so the sealing
// keeps the keys out of a copy of the payment_keys table (an export, a
// query result pasted into a ticket), not out of a copy of the whole
// database: a key held outside the database (a file or environment
// variable given to every instance) would be needed for that (review).

// FindPaymentKeys returns the organisation's keys, opened, to an admin
// (or the program).
func (d *DB) FindPaymentKeys(ctx context.Context, v fieldportal.Viewer) (fieldportal.PaymentKeys, error) {
	if !v.IsAdmin() {
		return fieldportal.PaymentKeys{}, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can see the payment keys.")
	}
	return d.GatewayKeys(ctx, v.OrgID)
}

// GatewayKeys returns an organisation's keys, opened, for its gateway.
func (d *DB) GatewayKeys(ctx context.Context, orgID string) (fieldportal.PaymentKeys, error) {
	var k fieldportal.PaymentKeys
	var secret, hook string
	err := d.db.QueryRowContext(ctx, `SELECT publishable_key, secret_key, webhook_secret FROM payment_keys WHERE org_id = $1`,
		orgID).Scan(&k.PublishableKey, &secret, &hook)
	if errors.Is(err, sql.ErrNoRows) {
		return k, nil // none saved: the gateway says which is missing
	} else if err != nil {
		return k, err
	}
	if k.SecretKey, err = d.openKey(ctx, secret); err != nil {
		return k, err
	}
	k.WebhookSecret, err = d.openKey(ctx, hook)
	return k, err
}

// SavePaymentSettings sets the provider and the keys (admins only).
func (d *DB) SavePaymentSettings(ctx context.Context, v fieldportal.Viewer, provider string, keys fieldportal.PaymentKeys) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change settings.")
	}
	keys.PublishableKey, keys.SecretKey, keys.WebhookSecret =
		strings.TrimSpace(keys.PublishableKey), strings.TrimSpace(keys.SecretKey), strings.TrimSpace(keys.WebhookSecret)
	var bad fieldportal.Validation
	if keys.PublishableKey != "" && !strings.HasPrefix(keys.PublishableKey, "pk_") {
		bad.Add("publishable_key", "Publishable key must start with pk_.")
	}
	if keys.SecretKey != "" && !strings.HasPrefix(keys.SecretKey, "sk_") && !strings.HasPrefix(keys.SecretKey, "rk_") {
		bad.Add("secret_key", "Secret key must start with sk_ (or rk_ for a restricted key).")
	}
	if keys.WebhookSecret != "" && !strings.HasPrefix(keys.WebhookSecret, "whsec_") {
		bad.Add("webhook_secret", "Webhook signing secret must start with whsec_.")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	old, err := d.FindPaymentKeys(ctx, v)
	if err != nil {
		return err
	}
	var changed []string
	keep := func(name string, typed string, saved *string) {
		if typed != "" && typed != *saved {
			*saved = typed
			changed = append(changed, name)
		}
	}
	keep("publishable key", keys.PublishableKey, &old.PublishableKey)
	keep("secret key", keys.SecretKey, &old.SecretKey)
	keep("webhook secret", keys.WebhookSecret, &old.WebhookSecret)
	secret, err := d.sealKey(ctx, old.SecretKey)
	if err != nil {
		return err
	}
	hook, err := d.sealKey(ctx, old.WebhookSecret)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		st, err := tx.findSettings(ctx, v.OrgID)
		if err != nil {
			return err
		}
		if st.PaymentProvider != provider {
			st.PaymentProvider = provider
			if err := st.Validate(); err != nil {
				return err
			}
			if err := tx.putSettings(ctx, v.OrgID, st); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payment_keys (org_id, publishable_key, secret_key, webhook_secret, updated_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id) DO UPDATE SET publishable_key = excluded.publishable_key,
			secret_key = excluded.secret_key, webhook_secret = excluded.webhook_secret, updated_at = excluded.updated_at`,
			v.OrgID, old.PublishableKey, secret, hook, tx.now); err != nil {
			return err
		}
		detail := "provider " + provider
		if provider == "" {
			detail = "online payment off"
		}
		if len(changed) > 0 {
			detail += "; replaced " + strings.Join(changed, ", ")
		}
		return tx.audit(ctx, v, "payment_settings.updated", "organisation", v.OrgID, detail)
	})
}

// sealKey encrypts a secret key with AES-GCM under the install's secret.
func (d *DB) sealKey(ctx context.Context, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	aead, err := d.keyCipher(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// openKey decrypts what sealKey made.
func (d *DB) openKey(ctx context.Context, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	aead, cerr := d.keyCipher(ctx)
	if cerr != nil {
		return "", cerr
	}
	if err != nil || len(b) < aead.NonceSize() {
		return "", fmt.Errorf("a stored payment key is unreadable")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("a stored payment key does not open with this install's secret")
	}
	return string(plain), nil
}

func (d *DB) keyCipher(ctx context.Context) (cipher.AEAD, error) {
	return d.secretCipher(ctx, "payment_keys")
}

// secretCipher is AES-256-GCM under the install's secret of a name.
func (d *DB) secretCipher(ctx context.Context, name string) (cipher.AEAD, error) {
	key, err := d.serverSecret(ctx, name)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// TestModeSecret is the install's key for test mode's page tokens, the
// same on every instance of one database.
func (d *DB) TestModeSecret(ctx context.Context) ([]byte, error) {
	return d.serverSecret(ctx, "payment_testmode")
}
