"""What an agency receives for each file: a page and a CSV in its language saying the status, the
counts and every problem with what to fix, its spreadsheet annotated, and the same as JSON; or, when
the pipeline itself failed on the file, what happened and what comes next."""
