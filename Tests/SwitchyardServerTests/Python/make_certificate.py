"""Prints a self-signed P-256 certificate and its key as JSON {"certificate": PEM, "key": PEM}.

Usage: make_certificate.py NAME NOT_BEFORE_DAYS NOT_AFTER_DAYS [NOT_AFTER_EXTRA_SECONDS] (days from
now, may be negative: `-10 -1` makes an expired certificate; `0 0 20` one that expires in 20
seconds). Uses the `cryptography` package.
"""
import datetime
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

name, before, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
extra_seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 0
key = ec.generate_private_key(ec.SECP256R1())
subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
now = datetime.datetime.now(datetime.timezone.utc)
certificate = (
    x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now + datetime.timedelta(days=before)).not_valid_after(now + datetime.timedelta(days=after, seconds=extra_seconds))
    .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    .sign(key, hashes.SHA256())
)
print(json.dumps({
    "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode(),
    "serial": format(certificate.serial_number, "x"),
}))
