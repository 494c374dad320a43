"""Models of the applications app: built by its own issue."""
