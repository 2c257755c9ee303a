"""On the homeserver's host: what Synapse's own configuration and database say.

Synapse's configuration files (``--synapse-config``) give the server name, the
database and the IP lists of its outbound HTTP client; the database is only
ever read (SQLite opened read-only, PostgreSQL in a read-only transaction).
Only Synapse is supported: other homeservers keep different files and tables.

- :mod:`.config`: finding, reading and merging the files as Synapse does
- :mod:`.database`: opening the database read-only, its schema, the reads
- :mod:`.blocklist`: the homeserver's verdict on a gateway's addresses
- :mod:`.health`: failing and device-less pushers, summary, Prometheus text
- :mod:`.gateways`: every gateway URL, its verdict and a probe from this host
"""
