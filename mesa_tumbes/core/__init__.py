"""The ground every stage stands on: reference data and its loader, configuration and settings, the
clock, the texts people read (locales), the check registry and the Problem row, and the types of the
submission contract. It imports nothing else of the project."""
