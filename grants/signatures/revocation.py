"""OCSP answers and CRLs for pyhanko-certvalidator: from the addresses configuration pins (else the certificate's
own), fetched over HTTP with a timeout, kept for their validity once the validator reached a verdict with them."""

import asyncio
import http.client
import threading
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import crl, pem
from pyhanko_certvalidator import errors
from pyhanko_certvalidator.fetchers import api
from pyhanko_certvalidator.fetchers.common_utils import (
    enumerate_delivery_point_urls,
    format_ocsp_request,
    process_ocsp_response_data,
)
from pyhanko_certvalidator.util import get_ocsp_urls, get_relevant_crl_dps, issuer_serial

OCSP_LIMIT = 1024 * 1024  # an OCSP answer is a few kilobytes
CRL_LIMIT = 256 * 1024 * 1024  # НУЦ РК's full CRLs are large; past this, something is wrong


@dataclass(frozen=True)
class Sources:
    """Where revocation status comes from: configuration's addresses override the certificates'."""

    ocsp_url: str | None = None
    crl_urls: tuple = ()
    timeout: float = 5


class RevocationCache:
    """Answers shared by every verification in the process, each until its nextUpdate (one without is not kept)."""

    def __init__(self):
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key):
        now = datetime.now(UTC)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1] <= now:
                del self._entries[key]
                return None
            return entry[0]

    def put(self, key, value, until):
        now = datetime.now(UTC)
        if until is None or until <= now:
            return
        with self._lock:
            for stale in [k for k, (_, u) in self._entries.items() if u <= now]:
                del self._entries[stale]
            self._entries[key] = (value, until)

    def clear(self):
        with self._lock:
            self._entries.clear()


@dataclass
class Fetched:
    """One verification's fetches: what the validator asked for, and what to keep once it has ruled."""

    sources: Sources
    cache: RevocationCache
    new: list = field(default_factory=list)  # (key, value, until) fetched from the network this time

    def fetchers(self):
        return api.Fetchers(ocsp_fetcher=_OCSP(self), crl_fetcher=_CRL(self), cert_fetcher=_NoCertificates())

    def keep(self):
        """The validator reached a verdict (valid, or revoked): its answers are good for their validity."""
        for key, value, until in self.new:
            self.cache.put(key, value, until)
        self.new.clear()

    async def get(self, key, url, body, accept, limit, parse):
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        data = await asyncio.to_thread(_http, url, body, accept, limit, self.sources.timeout)
        value, until = parse(data)
        self.new.append((key, value, until))
        return value


def _http(url, body, accept, limit, timeout):
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"{url} is not an HTTP address")
    headers = {"Accept": accept, "User-Agent": "Baiqau"}
    if body is not None:
        headers["Content-Type"] = "application/ocsp-request"
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (http and https only, above)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310 (the scheme is checked above)
        data = response.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{url} answered more than {limit} bytes")
    return data


NETWORK = (OSError, ValueError, http.client.HTTPException)  # urllib's errors are OSErrors, timeouts too


class _OCSP(api.OCSPFetcher):
    def __init__(self, fetched):
        self.fetched = fetched
        self.responses = []  # (issuer_serial, response)

    async def fetch(self, cert, authority):
        # No nonce: an answer is then reusable until its nextUpdate, which is what a cache is for.
        request = format_ocsp_request(cert, authority, certid_hash_algo="sha1", request_nonces=False)
        cert_id = request["tbs_request"]["request_list"][0]["req_cert"].dump()
        urls = [self.fetched.sources.ocsp_url] if self.fetched.sources.ocsp_url else get_ocsp_urls(cert)
        failures = []
        for url in urls:
            def parse(data, url=url):
                response = process_ocsp_response_data(data, ocsp_request=request, ocsp_url=url)
                single = response.basic_ocsp_response["tbs_response_data"]["responses"][0]
                return response, single["next_update"].native
            try:
                response = await self.fetched.get(("ocsp", url, cert_id), url, request.dump(),
                                                  "application/ocsp-response", OCSP_LIMIT, parse)
            except (*NETWORK, errors.OCSPValidationError) as e:  # an unsuccessful status: as good as no answer
                failures.append(f"{url}: {e!r}")
                continue
            self.responses.append((issuer_serial(cert), response))
            return response
        raise errors.OCSPFetchError("; ".join(failures) or "no OCSP responder to ask")

    def fetched_responses(self):
        return [response for _, response in self.responses]

    def fetched_responses_for_cert(self, cert):
        return [response for key, response in self.responses if key == issuer_serial(cert)]


class _CRL(api.CRLFetcher):
    def __init__(self, fetched):
        self.fetched = fetched
        self.by_url = {}
        self.by_cert = {}

    async def fetch(self, cert, *, use_deltas=True):
        key = issuer_serial(cert)
        if key in self.by_cert:
            return self.by_cert[key]
        urls = self.fetched.sources.crl_urls or [
            url for point in get_relevant_crl_dps(cert, use_deltas=use_deltas)
            for url in enumerate_delivery_point_urls(point)]
        lists, failures = [], []
        for url in urls:
            if url not in self.by_url:
                try:
                    self.by_url[url] = await self.fetched.get(("crl", url), url, None, "application/pkix-crl",
                                                              CRL_LIMIT, _parse_crl)
                except NETWORK as e:
                    failures.append(f"{url}: {e!r}")
                    continue
            lists.append(self.by_url[url])
        if not lists:
            raise errors.CRLFetchError("; ".join(failures) or "no CRL to fetch")
        self.by_cert[key] = lists
        return lists

    def fetched_crls(self):
        return list(self.by_url.values())

    def fetched_crls_for_cert(self, cert):
        return self.by_cert[issuer_serial(cert)]


def _parse_crl(data):
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    certificate_list = crl.CertificateList.load(data, strict=True)
    return certificate_list, certificate_list["tbs_cert_list"]["next_update"].native


class _NoCertificates(api.CertificateFetcher):
    """Issuers are never fetched from a certificate's AIA: the intermediates are configured, or in the CMS."""

    async def fetch_cert_issuers(self, cert):
        for _ in ():
            yield

    async def fetch_crl_issuers(self, certificate_list):
        for _ in ():
            yield

    def fetched_certs(self):
        return ()
