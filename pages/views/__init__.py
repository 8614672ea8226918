"""Page views. Thin: read through tracker.selectors (and pages.reads, which starts from them), write only through
pages.actions (the tracker services), render."""
