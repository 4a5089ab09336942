"""Route modules: thin — parse, call a service, render."""
