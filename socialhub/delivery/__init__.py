"""Live clients of this worker: who is connected, and the receipts their clients note.

Above the domain (it calls presence and receipts) and the realtime core (which imports neither)."""
