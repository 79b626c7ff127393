"""Pages of the catalogue, one module per audience (registry: record pages, identifier library, API keys)."""

from .registry import api_key_revoke, api_keys, identifier_detail, identifier_library, record_detail

__all__ = ["api_key_revoke", "api_keys", "identifier_detail", "identifier_library", "record_detail"]
