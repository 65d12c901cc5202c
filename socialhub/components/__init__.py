"""Reusable UI pieces: functions returning rx.Component, taking plain vars."""
