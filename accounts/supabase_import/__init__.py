"""``manage.py import_supabase``: a team's Supabase database (the inventory's ``public`` schema
plus GoTrue's ``auth.users``) brought over in one command.

- ``source``: the old database, read in one read-only REPEATABLE READ snapshot; COPY out.
- ``tables``: which tables, in which order, and where a column is not copied as it is.
- ``loader``: per table, COPY into a staging table, refuse what cannot go in (and say why),
  then one ``INSERT … ON CONFLICT (id) DO UPDATE`` that writes only rows whose values differ.
- ``people``: ``auth.users`` -> ``users`` with GoTrue's bcrypt hashes kept; app admins.
- ``credentials``: store credentials read from plain values, pgcrypto or Vault, re-encrypted.
- ``files``: the ``product-images`` bucket copied into our storage backend.
- ``report``: per-table counts, the audit rows of the import, the Scheduled jobs record.
- ``runner``: the order of it all.
"""
