"""Running it: serve, worker, doctor, users, help, practice mode."""
