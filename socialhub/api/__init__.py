"""The REST API (FastAPI, mounted through Reflex's api_transformer): thin callers of the domain."""
