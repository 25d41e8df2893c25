"""Alert outputs shared by `watch` and report intake: webhooks (and, later, others)."""
