"""The test-suite audit: plausible student mistakes that the hidden suites must catch,
and correct variants that they must not punish."""
