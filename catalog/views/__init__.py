"""Pages of the catalogue, one module per audience (registry: record pages, identifier library, API keys)."""

from .api_guide import api_quickstart
from .browse import (
    catalogue,
    catalogue_export,
    identifier_lookup,
    provider_detail,
    provider_directory,
    site_detail,
)
from .imports import provider_import, provider_import_confirm, provider_import_template
from .registry import api_key_revoke, api_keys, identifier_detail, identifier_library, record_detail

__all__ = ["api_quickstart", "api_key_revoke", "api_keys", "identifier_detail", "identifier_library", "record_detail"]
__all__ += [
    "catalogue",
    "catalogue_export",
    "identifier_lookup",
    "provider_detail",
    "provider_directory",
    "site_detail",
]
__all__ += ["provider_import", "provider_import_confirm", "provider_import_template"]
