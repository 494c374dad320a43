"""PAdES signatures of the bureau on every document the portal issues (pyHanko).

The key and certificate come from a PKCS#12 file named by settings.DOCUMENT_SIGNING_PKCS12, opened with
settings.DOCUMENT_SIGNING_PASSPHRASE (both from the environment; see the README, "Signed documents"). When none
is configured, the portal makes a local demo CA and a signing certificate issued by it under VAR_DIR/signing/
on first use (once; files 0600), so `make run` and the tests sign too. A demo signature proves integrity only
to whoever trusts that demo CA (signing/demo-ca.pem): never use it for a real centre.

The signature is PAdES baseline B-B (/ETSI.CAdES.detached, SHA-256, the signing certificate and its chain
embedded). No timestamp authority is called: rendering never touches the network.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import threading
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

DEMO_FOLDER = "signing"
DEMO_CA_CERT = "demo-ca.pem"
DEMO_CA_KEY = "demo-ca-key.pem"
DEMO_SIGNER = "demo-signer.p12"
SIGNATURE_FIELD = "BureauSeal"
_lock = threading.Lock()


def signing_dir() -> Path:
    return Path(settings.VAR_DIR) / DEMO_FOLDER


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (a reader never sees half a key)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def ensure_demo_credentials(folder: Path | None = None) -> tuple[Path, Path]:
    """(PKCS#12 of the demo signer, PEM of the demo CA), made once under VAR_DIR/signing/. Idempotent: files
    that exist are kept (two processes racing both write complete files; the last rename wins, consistently,
    because the PKCS#12 is written last and read only after it exists)."""
    folder = folder or signing_dir()
    p12_path, ca_path = folder / DEMO_SIGNER, folder / DEMO_CA_CERT
    if p12_path.exists() and ca_path.exists():
        return p12_path, ca_path
    with _lock:
        if p12_path.exists() and ca_path.exists():
            return p12_path, ca_path
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        ca_pem, ca_key_pem, p12 = _make_demo_credentials(settings.CENTRE_NAME)
        _write_private(ca_path, ca_pem)
        _write_private(folder / DEMO_CA_KEY, ca_key_pem)
        _write_private(p12_path, p12)
        log.warning("signing: no DOCUMENT_SIGNING_PKCS12 configured; made a DEMO CA and signer under %s", folder)
    return p12_path, ca_path


def _make_demo_credentials(centre_name: str) -> tuple[bytes, bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{centre_name}（演示）"),
        x509.NameAttribute(NameOID.COMMON_NAME, "OneWindow Demo Document CA (NOT FOR PRODUCTION)"),
    ])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, centre_name),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{centre_name} 审批专用章（演示）"),
    ])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    p12 = pkcs12.serialize_key_and_certificates(b"onewindow-demo-signer", key, cert, [ca_cert],
                                                serialization.NoEncryption())
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    ca_key_pem = ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    return ca_pem, ca_key_pem, p12


def signer_source() -> tuple[Path, bytes | None]:
    """(PKCS#12 path, passphrase) to sign with: the configured one, else the demo signer."""
    configured = getattr(settings, "DOCUMENT_SIGNING_PKCS12", "")
    if configured:
        passphrase = getattr(settings, "DOCUMENT_SIGNING_PASSPHRASE", "")
        return Path(configured), (passphrase.encode("utf-8") if passphrase else None)
    p12_path, _ca = ensure_demo_credentials()
    return p12_path, None


@lru_cache(maxsize=4)
def _load_signer(path: str, mtime_ns: int, passphrase: bytes | None):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase)
    if signer is None:
        raise RuntimeError(f"signing: cannot read the PKCS#12 {path} (wrong passphrase or not a key and certificate)")
    return signer


def signer():
    path, passphrase = signer_source()
    return _load_signer(str(path), path.stat().st_mtime_ns, passphrase)


def sign_pdf(pdf: bytes, *, reason: str = "", location: str = "") -> bytes:
    """The PDF with the bureau's PAdES signature appended as an incremental update (an invisible signature
    field; the visible seal is part of the page)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None, location=location or None,
    )
    out = signers.sign_pdf(writer, metadata, signer=signer())
    return out.getvalue()


def check_signature(pdf: bytes) -> dict:
    """What a verifier needs to know of a PDF someone uploads: is there a signature, is it intact (the signed
    bytes unchanged), does it cover the whole file (nothing appended after signing), and is it the bureau's own
    signing certificate. {'signed', 'intact', 'whole', 'ours', 'signer'}; never raises on a malformed file.

    Trust in a certificate chain is not judged here: the bureau's own certificate is compared byte for byte,
    which is what the public verification page needs (is this the bureau's document?)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    result = {"signed": False, "intact": False, "whole": False, "ours": False, "signer": ""}
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
        if not signatures:
            return result
        signature = signatures[-1]
        result["signed"] = True
        status = validate_pdf_signature(signature)
        result["intact"] = bool(status.intact and status.valid)
        result["whole"] = status.coverage.name == "ENTIRE_FILE"
        certificate = signature.signer_cert
        result["signer"] = certificate.subject.human_friendly
        result["ours"] = certificate.dump() == signer().signing_cert.dump()
    except Exception:  # noqa: BLE001 - any malformed upload reads as "not a valid signed document"
        log.info("signature check failed on an uploaded PDF", exc_info=True)
    return result
