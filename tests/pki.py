"""The ЭЦП tests' PKI: the certification authority of `grants.signatures.testca`, with what only tests need — a
self-issued certificate, CMS signatures tampered with, and a real OCSP responder and CRL server on loopback."""

import base64
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from grants.signatures import Verifier
from grants.signatures.testca import CA, PKI, Holder, now, self_signed, sign, subject  # noqa: F401 (the tests' PKI)


class RevocationServer:
    """OCSP (POST …/ocsp) and CRLs (GET …/crl/<ca>.crl) of some PKIs over real HTTP on 127.0.0.1, in a thread.

    `hits` counts the requests per path; a kind ("ocsp", "crl") in `down` answers 503, as a failing service does.
    """

    def __init__(self):
        self.pkis = []
        self.hits = Counter()
        self.down = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.hits[self.path] += 1
                if not self.path.endswith("/ocsp") or "ocsp" in server.down:
                    return self.answer(503, b"", "text/plain")
                answer = next((a for pki in server.pkis if (a := pki.ocsp_answer(body)) is not None), None)
                if answer is None:
                    answer = ocsp.OCSPResponseBuilder.build_unsuccessful(
                        ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
                return self.answer(200, answer, "application/ocsp-response")

            def do_GET(self):
                server.hits[self.path] += 1
                slug = self.path.rsplit("/", 1)[-1].removesuffix(".crl")
                ca = next((pki.authorities[slug] for pki in server.pkis if slug in pki.authorities), None)
                if "crl" in server.down or ca is None or not self.path.endswith(".crl"):
                    return self.answer(503 if ca else 404, b"", "text/plain")
                return self.answer(200, ca.crl(), "application/pkix-crl")

            def answer(self, status, body, kind):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def with_algorithms(cms_b64, *, digest=None, signature=None):
    """The same CMS with its signer's digest and signature algorithm OIDs replaced: what a GOST key's signature
    declares (the bytes are then no valid signature under any algorithm, which is not what is tested)."""
    info = asn1_cms.ContentInfo.load(base64.b64decode(cms_b64))
    signer = info["content"]["signer_infos"][0]
    if digest:
        signer["digest_algorithm"] = {"algorithm": digest}
    if signature:
        signer["signature_algorithm"] = {"algorithm": signature}
    return base64.b64encode(info.dump(force=True)).decode()


def with_signature_flipped(cms_b64):
    """The same CMS with one bit of the signature value changed."""
    info = asn1_cms.ContentInfo.load(base64.b64decode(cms_b64))
    signer = info["content"]["signer_infos"][0]
    value = bytearray(signer["signature"].native)
    value[len(value) // 2] ^= 1
    signer["signature"] = bytes(value)
    return base64.b64encode(info.dump(force=True)).decode()


@contextmanager
def running_pki(name="Test root", kind=PKI):
    """A PKI (`kind`: PKI, or tests.gostca.GostPKI) whose OCSP responder and CRLs answer on loopback for as long as
    the block runs."""
    with RevocationServer() as server:
        pki = kind(server.url, name=name)
        server.pkis.append(pki)
        yield pki


def trust(app, pki, folder):
    """Make `app` trust `pki` as production trusts НУЦ РК: its root and issuing certificate in files named by
    configuration (BAIQAU_EDS_TRUST_ANCHORS), ЭЦП on."""
    (folder / "root.pem").write_bytes(pki.root.pem)
    (folder / "issuing.pem").write_bytes(pki.intermediate.pem)
    app.config.update(EDS="optional", EDS_TRUST_ANCHORS=(str(folder / "root.pem"), str(folder / "issuing.pem")))
    app.extensions["signatures"] = Verifier.from_config(app.config)


@pytest.fixture(scope="module")
def pki():
    """A module's PKI, its revocation server running (use it with `trusted`)."""
    with running_pki() as pki:
        yield pki


@pytest.fixture
def trusted(app, pki, tmp_path):
    """The test's app trusts the module's PKI (a module marks itself with usefixtures("trusted"))."""
    trust(app, pki, tmp_path)
