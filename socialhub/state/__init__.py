"""Reflex state: thin per-feature substates that call the domain layer."""
