"""The change feed: one durable, sequenced list of catalogue changes, appended in the writer's own
transaction and read by cursor by every consumer (the selection index, the websocket fan-out, the
page cache, a peer node's upstream sync).

Below the business apps: it imports none of them. Apps append through ``changes.services`` and
register snapshot builders and live topics through ``changes.registry``.
"""
