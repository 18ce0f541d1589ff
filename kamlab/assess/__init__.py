"""nbgrader integration: course build, sandboxed parallel grading, feedback hygiene, export."""
