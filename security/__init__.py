"""System F (安全保障), the node's security room: security events and alerts, login lockout and the
optional TOTP second step, API rate limits, the client address, CSP and security headers, vulnerability
scans, the risk register and the audit viewer (``/security/``).

Roles and what they may do stay in ``organizations`` (``roles.py``, ``rules.py``); the settings are in
``portal/settings/security.py``. Other apps reach this one only through settings strings (middleware,
authentication backend, DRF throttles and exception handler, axes handlers) and never import it.
"""
