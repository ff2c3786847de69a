"""The data officer's follow-up of the reporting calendar: who has reported, who is late, and the
reminders each late agency receives (about its own reports only)."""
