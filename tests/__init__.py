"""pushctl's test suite (a package, so that ``tests.support`` imports without path edits)."""
