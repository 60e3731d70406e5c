"""The viral-day benchmark: `bench/run` starts the platform as in production and loads it."""
