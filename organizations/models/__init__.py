from .authorities import Authority, AuthorityLevel, DepartmentKind
from .divisions import Division, DivisionLevel, IndustryCategory
from .organizations import Organization, OrganizationKind, TelecomLicence
from .trail import TrailEntry
from .users import User

__all__ = [
    "Authority",
    "AuthorityLevel",
    "DepartmentKind",
    "Division",
    "DivisionLevel",
    "IndustryCategory",
    "Organization",
    "OrganizationKind",
    "TelecomLicence",
    "TrailEntry",
    "User",
]
