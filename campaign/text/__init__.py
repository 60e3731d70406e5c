"""Rules for the text people type and staff write, with no knowledge of the rest of the
platform: Markdown rendered and sanitised, bidirectional controls.

May import: nothing of the platform. Everything else may import it.
"""
