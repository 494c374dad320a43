"""Certificates (licences, 证照): issued from approval decisions, rendered once as signed PDFs with a QR code to
the public verification page, kept in the licence registry (电子证照库), revoked, superseded by corrected
versions and renewed (Art. 50)."""
