"""The change feed: what changed in server-owned data, for tills to pull since a cursor.

Services record a change inside the transaction that makes it (:func:`record_changes`), and
tills read the feed in pages (:func:`read_page`). The cursor never skips a committed change
(see ``services``); the pull route itself is in ``controllers``.
"""
