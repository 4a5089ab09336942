"""Sharing: exchange packages, the sharing catalogue, subscriptions."""
