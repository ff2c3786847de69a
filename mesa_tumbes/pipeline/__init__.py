"""A submission's trip as plain functions, the same for a scheduled run and for `mesa validate`:
receive (archive), take (duplicate check, read -> validate -> triage, revision check), answer
(feedback), load; and the run's report. The flows wire these as Prefect tasks."""
