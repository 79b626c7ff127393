"""The verification seam: real-name and legal-person verification of a registration.

National verification services (市场监管总局 enterprise registry, 公安 real-name checks) cannot be reached
from this node, so the default backend verifies nothing: it says that the operator must check the
business-licence scan by hand, and the certification form requires the operator to confirm they did.
A deployment that can reach a service sets ``REGISTRATION_VERIFICATION_BACKEND`` to a dotted path of a
class implementing ``VerificationBackend`` (docs/registration.md). A backend must never invent a result.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class Outcome(StrEnum):
    VERIFIED = "verified"  # the service confirmed name, USCC and legal representative
    MISMATCH = "mismatch"  # the service answered and the data differ
    MANUAL = "manual"  # nothing was checked automatically; the operator checks by hand


@dataclass(frozen=True)
class VerificationResult:
    outcome: Outcome
    detail: str
    backend: str


class VerificationBackend(Protocol):
    name: str

    def verify(self, *, name: str, uscc: str, legal_representative: str) -> VerificationResult: ...


class ManualVerification:
    """The default: no automatic check; the operator compares the licence scan with the form."""

    name = "manual"

    def verify(self, *, name: str, uscc: str, legal_representative: str) -> VerificationResult:
        return VerificationResult(
            outcome=Outcome.MANUAL,
            detail=_("未接入国家核验服务：请人工核对营业执照扫描件上的单位名称、统一社会信用代码与法定代表人。"),
            backend=self.name,
        )


def verification_backend() -> VerificationBackend:
    path = getattr(settings, "REGISTRATION_VERIFICATION_BACKEND", "accounts.verification.ManualVerification")
    return import_string(path)()
