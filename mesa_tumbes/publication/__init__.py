"""What the Mesa publishes beyond its warehouse: the gap tables as Parquet and CSV, with small counts
about survivors suppressed so that no hidden cell can be recomputed."""
