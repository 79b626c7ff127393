"""The catalogue's part of the standard interface: identifier resolution and the provider interface."""
