"""Learning from use: the usage log, the learned ranking prior and edit-variant proposals.

Everything here is plain Python over SQLite (no Qt); docs/learning.md explains the model. The
package's modules: ``base`` (event kinds, settings, reply and message keys), ``log``
(``UsageLog``, retention, clearing), ``prior`` (``UsageModel``), ``session`` (``Learning``, what
the sidebar runs), ``export`` (CSV/XLSX), ``variants`` (edit variants, the shop's own replies).
Callers import from ``assistant.usage``.

* ``UsageLog`` — the agent's actions (a customer message arrived, replies were shown, one was
  picked / edited / sent, a suggestion was dismissed) go to ``usage_events`` (migration 2).
  ``log()`` only appends to an in-memory queue; a background thread writes the queue in one
  transaction at least every second and on ``close()``. A killed process loses at most the
  events of the last unflushed interval; a half-written transaction is rolled back by SQLite.
* ``UsageModel`` — a prior per (reply, intent, platform): picks, edits and sends, decayed with a
  half-life and smoothed with a pseudo-count, so one click does not flip the list. ``shown`` and
  ``received`` teach nothing. ``attach(engine)`` gives it to the engine (``Engine.set_prior``).
* ``propose_variant`` / ``save_variant`` — when the agent keeps editing a reply the same way,
  offer the edited text as a new reply (``source='user'``).
"""
from assistant.usage.base import (COLUMNS, DEFAULT_SETTINGS, KINDS, MAX_FLUSH_INTERVAL, POSITIVE, learning_settings,
                                  message_hash, privacy_settings, replies_by_key, reply_key, reply_keys)
from assistant.usage.export import EXPORT_HEADERS, events, export_events, write_table
from assistant.usage.log import MessageRef, UsageLog, apply_retention, clear, clear_undoable
from assistant.usage.prior import UsageModel, detach
from assistant.usage.session import Learning, UsageSession
from assistant.usage.variants import (VariantProposal, add_user_reply, decline_variant, default_title,
                                      insert_user_reply, propose_variant, propose_variants, save_variant)

__all__ = ["COLUMNS", "DEFAULT_SETTINGS", "EXPORT_HEADERS", "KINDS", "MAX_FLUSH_INTERVAL", "POSITIVE", "Learning",
           "MessageRef", "UsageLog", "UsageModel", "UsageSession", "VariantProposal", "add_user_reply", "apply_retention", "clear",
           "clear_undoable", "decline_variant", "default_title", "detach", "events", "export_events",
           "insert_user_reply", "learning_settings", "message_hash", "privacy_settings", "propose_variant",
           "propose_variants", "replies_by_key", "reply_key", "reply_keys", "save_variant", "write_table"]
