"""Models of the supervision app: built by its own issue."""
