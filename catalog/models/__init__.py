"""The registry (system B) and the identifier library (system D)."""

from .accelerators import AcceleratorModel
from .api_keys import ProviderApiKey
from .identifiers import Identifier, IdentifierClass, IdentifierCounter, IdentifierEvent, IdentifierState
from .providers import OnboardingState, Provider, Site
from .records import (
    AppService,
    AppServiceKind,
    BillingUnit,
    ComputeResource,
    CpuArchitecture,
    ListingState,
    NetworkLine,
    NetworkLineKind,
    RecordState,
    ResourceClass,
)
from .versions import RecordVersion

__all__ = [
    "AcceleratorModel",
    "AppService",
    "AppServiceKind",
    "BillingUnit",
    "ComputeResource",
    "CpuArchitecture",
    "Identifier",
    "IdentifierClass",
    "IdentifierCounter",
    "IdentifierEvent",
    "IdentifierState",
    "ListingState",
    "NetworkLine",
    "NetworkLineKind",
    "OnboardingState",
    "Provider",
    "ProviderApiKey",
    "RecordState",
    "RecordVersion",
    "ResourceClass",
    "Site",
]
