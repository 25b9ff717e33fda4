"""``keitaro-node serve``: the long-lived runtime. ``schedules`` (when time triggers fire),
``webhooks`` (where Webhook nodes listen, who may call them, what they answer), ``records``
(executions in SQLite), ``service`` (executions, bounds, error workflows, static data),
``app`` and ``pages`` (the HTTP side), ``server`` (serving until stopped)."""
