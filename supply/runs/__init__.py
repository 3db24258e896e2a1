"""Drivers' (and technicians') runs: a date, a person, a vehicle and stops in order, each a
delivery, a pickup or a home visit (DESIGN.md §10). A run only groups and orders the order
transitions the back office uses; the outcomes at the door go through ordering's services."""
