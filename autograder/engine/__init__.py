"""The engine that runs the property suites under hypothesis: seeded the same everywhere
(seeding), each property run and its failure described (runner), runs recorded and replayed
exactly (replay), recorded runs shared between a class run's graders (shared_runs), and
the reference's runs kept on disk for the next grader process (reference_runs)."""
