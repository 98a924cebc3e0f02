"""What ``review init DIR`` writes into a blank project: ``review.yaml`` (every key commented)
and ``strategy.yaml`` (a skeleton search strategy with one example block). Package data."""
