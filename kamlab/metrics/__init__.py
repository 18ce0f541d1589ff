"""The formula library (SPEC §2). Built in the foundation issue."""
