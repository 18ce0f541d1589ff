"""The KA competency framework and capability scoring (SPEC §5)."""
