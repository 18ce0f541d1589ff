"""The seeded account-world simulator (SPEC §3). Built in the world issue."""
