"""Still imported from here by monitoring/urls.py; the module is ``infra.node_systems``."""

from infra.node_systems import node_has_system, node_system

__all__ = ["node_has_system", "node_system"]
