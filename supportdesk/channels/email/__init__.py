"""The email channel: durable intake (SMTP/LMTP, IMAP, pipe), processing into tickets,
and outgoing mail. Edges store raw bytes first; everything else happens in tasks."""
