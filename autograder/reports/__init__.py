"""Report writers: what a grading run leaves behind, in the formats its readers expect."""
