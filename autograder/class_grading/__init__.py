"""Grading a whole class: find the submissions, grade them in parallel sandboxed
workers, write each student's results as they arrive, resume where a killed run stopped,
split a class into shards and merge the shards' outputs."""
