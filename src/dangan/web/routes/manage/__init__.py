"""管理: users, API keys, subscriptions, alerts, audit, lifecycle, sharing catalogue, synonyms, health."""
