"""The `mesa` command: main.py parses and dispatches; commands.py (intake and analysts), officer.py
(the data officer's status, reminders, retries and schedules) and review.py do each command's work;
terminal.py is what they share (exit codes, output, interruption)."""
