"""`make bench`: speed targets of the issues, each printed as a ratio against a baseline
measured in the same run. Not part of `make test`."""
