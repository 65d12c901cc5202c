"""Realtime delivery: a durable per-user event stream plus a hub that pushes to open tabs."""
