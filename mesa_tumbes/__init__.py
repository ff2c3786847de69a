"""Service-indicator pipeline of the Mesa Multisectorial Técnica para Refugiados y Migrantes de Tumbes."""

__version__ = "0.1.0"
