"""What agencies are handed to fill in: the Mesa template with its choice lists (`mesa plantillas`)."""
