"""Security settings (system F), kept apart from base.py; imported at the end of base.py."""
