"""Settings package: one module per environment (base, dev, test, production)."""
