"""One module per route; each arranges components inside a shell."""
