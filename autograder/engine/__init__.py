"""The engine that runs the property suites under hypothesis: seeded the same everywhere
(seeding), each property run and its failure described (runner), runs recorded and replayed
exactly (replay), and recorded runs shared between a class run's graders (shared_runs)."""
