-- +goose Up
-- The certificates page's type filter (FindCertificateTypes) read every
-- certificate the viewer reaches to list their few distinct types: 30 ms
-- for a big parent and 70 ms for a contact of one site, which walked the
-- organisation's 20,000 certificates checking each one's site. Now the
-- organisation's types come from certificates_type and each is kept when
-- one reachable certificate has it (found after a few probes for a
-- contact of many sites); a contact of few sites reads its own sites'
-- types from certificates_site_type.
CREATE INDEX IF NOT EXISTS certificates_type ON certificates (org_id, cert_type, site_id);
CREATE INDEX IF NOT EXISTS certificates_site_type ON certificates (site_id, cert_type);

-- +goose Down
DROP INDEX IF EXISTS certificates_site_type;
DROP INDEX IF EXISTS certificates_type;
