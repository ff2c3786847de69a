"""Receiving files: finding them in the inboxes (local folders, SFTP, S3) and archiving their bytes
before anything reads them."""
