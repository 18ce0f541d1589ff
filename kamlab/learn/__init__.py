"""Self-study support: the trainee's workspace, exercise self-checks and progress."""
