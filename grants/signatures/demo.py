"""The demo's test certification authority: a test key for every demo account, so that a newcomer without
NCALayer or a certificate of НУЦ РК sees ЭЦП work (`make run`, BAIQAU_EDS_DEMO).

The CA and the holders' certificates and keys are kept in the folder configuration names (instance/eds-demo in
development), made the first time they are asked for. Its root is trusted beside the configured anchors, with
CRLs the verifier holds; every signature it verifies is marked a test signature. Production refuses the setting
(config.py), so none of this can sign anyone in there.
"""

import threading
from datetime import timedelta
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from grants.identifiers import check_digit
from grants.signatures.testca import PKI, Holder, sign

NAME = "Baiqau demo test CA"
CRL_VALIDITY = timedelta(days=7)  # remade at every start: the demo's CA is always at hand

# A person with no account yet, holding a first head's key of an NGO not yet on the platform: signing in with it
# shows how an account is made from a certificate.
NEWCOMER = {"iin": None, "surname": "АХМЕТОВА", "name": "САУЛЕ", "patronymic": "БОЛАТОВНА",
            "email": "saule.akhmetova@example.kz", "bin": "200140010051", "organization": "ОФ «БОЛАШАҚ ҮМІТІ»",
            "role": "first_head"}


def demo_iin(n):
    """A valid IIN for the n-th demo person (born 1985, 12 April; the serial is n): the check digit computed."""
    while True:
        first11 = f"8504123{n:04d}"
        digit = check_digit(first11)
        if digit is not None:
            return first11 + str(digit)
        n += 5000  # a serial whose check digit cannot exist: the next free one


NEWCOMER["iin"] = demo_iin(900)


def _pem_pair(holder):
    return holder.certificate.public_bytes(serialization.Encoding.PEM) + holder.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _read_pair(path):
    data = path.read_bytes()
    return (x509.load_pem_x509_certificate(data),
            serialization.load_pem_private_key(data, password=None))


class DemoCA:
    """The demo's root and issuing CA, read from `folder` (made there the first time) and their holders."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        root, issuing = self.folder / "root.pem", self.folder / "issuing.pem"
        if root.exists() and issuing.exists():
            self.pki = PKI(None, name=NAME, root=_read_pair(root), intermediate=_read_pair(issuing))
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.pki = PKI(None, name=NAME)
            root.write_bytes(_pem_pair(Holder(self.pki.root.certificate, self.pki.root.key)))
            issuing.write_bytes(_pem_pair(Holder(self.pki.intermediate.certificate, self.pki.intermediate.key)))

    def anchors(self):
        """The root and the issuing certificate, as the verifier reads certificates."""
        return tuple(asn1_x509.Certificate.load(ca.certificate.public_bytes(serialization.Encoding.DER))
                     for ca in (self.pki.root, self.pki.intermediate))

    def crls(self):
        return tuple(ca.crl(CRL_VALIDITY) for ca in (self.pki.intermediate, self.pki.root))

    def issued(self, certificate):
        """Whether this CA issued `certificate` (asn1crypto): its signatures are test signatures."""
        issuer = self.pki.intermediate.certificate.subject.public_bytes()
        return certificate.issuer.dump() == issuer

    def holder(self, purpose, *, iin, **fields):
        """The test key for `purpose` ("auth" or "sign") of the person with this IIN, issued the first time."""
        path = self.folder / "holders" / f"{iin}-{purpose}.pem"
        with self._lock:
            if path.exists():
                return Holder(*_read_pair(path))
            holder = self.pki.issue(purpose=purpose, iin=iin, not_after=self.pki.intermediate.certificate
                                    .not_valid_after_utc - timedelta(days=1), **fields)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(_pem_pair(holder))
            path.chmod(0o600)
            return holder

    def sign(self, content, purpose, **person):
        """A CMS signature over `content` with the person's test key, as NCALayer returns one."""
        return sign(self.holder(purpose, **person), content)


def person_of(user, owned=None):
    """The certificate fields of a demo account; the owner of an NGO (`owned`) holds a first head's key of it."""
    parts = user.full_name.split()
    fields = {"iin": user.iin, "name": parts[0].upper() if parts else "ТЕСТ",
              "surname": parts[-1].upper() if len(parts) > 1 else "ТЕСТОВ", "patronymic": "", "email": user.email}
    if owned is not None:
        fields.update(bin=owned.bin, organization=owned.name_ru, role="first_head")
    return fields
