"""The domain layer: the only code that writes. It imports neither reflex nor fastapi."""
