"""nbgrader configuration of the kamlab course: this folder (assessments/) is the course root.

`kamlab course …` reads this file and adds the course root and gradebook URL it is given.
Plain `nbgrader …` commands run from this folder work too (they use the same pipeline).
Every kamlab preprocessor below is an import string, so this file does not import kamlab.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

ROOT = Path(__file__).resolve().parent

# --- course -----------------------------------------------------------------------------------
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = "kamlab"
# The gradebook: SQLite in the course root unless KAMLAB_GRADEBOOK_URL names any SQLAlchemy URL
# (e.g. postgresql+psycopg://grader@db.example.org/kamlab). Always an absolute path: nbgrader's
# default would put gradebook.db into whatever folder the command runs in.
c.CourseDirectory.db_url = (
    os.environ.get("KAMLAB_GRADEBOOK_URL") or f"sqlite:///{ROOT / 'gradebook.db'}"
)
# Never copy the course's private state or secret into release/autograded/feedback folders.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".kamlab",
    ".course_secret",
]

# --- exchange (release / collect) ------------------------------------------------------------
# Must exist, be world-writable and be the same in the trainees' nbgrader config.
c.Exchange.root = os.environ.get("KAMLAB_EXCHANGE", "/srv/nbgrader/exchange")

# --- generate_assignment ----------------------------------------------------------------------
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("write your answer here")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- autograde --------------------------------------------------------------------------------
# Sanitize: note tampering with locked cells first, then nbgrader restores them from the source
# (add_missing_cells also puts back test cells a trainee deleted).
c.Autograde.sanitize_preprocessors = [
    "kamlab.assess.nbgrader_ext.DetectTampering",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.OverwriteCells.add_missing_cells = True
# Autograde: SandboxedJudge replaces nbgrader's Execute (trainee code runs sandboxed, scores are
# decided outside the kernel and written into the test cells' outputs for SaveAutoGrades).
c.Autograde.autograde_preprocessors = [
    "kamlab.assess.nbgrader_ext.SandboxedJudge",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "kamlab.assess.nbgrader_ext.KeepManualGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
]  # (CheckCellMetadata already ran in the sanitize step; the judge changes no metadata)
c.SandboxedJudge.cell_timeout = 30.0  # wall seconds per cell
c.SandboxedJudge.wall_timeout = 300.0  # wall seconds per submission
c.SandboxedJudge.cpu_seconds = 300  # RLIMIT_CPU of the kernel
c.SandboxedJudge.memory_mb = 4096  # RLIMIT_AS of the kernel
c.SandboxedJudge.max_processes = 64  # RLIMIT_NPROC of the sandbox user
c.SandboxedJudge.kernel_restarts = 2  # new kernels if one dies while answers are read
# With plain nbgrader's Execute (e.g. `--Autograde.autograde_preprocessors=...`), these apply:
c.Execute.timeout = 30
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?s).*(Warning|warn\().*"

# --- feedback ---------------------------------------------------------------------------------
# The trainee's own outputs as submitted, the judge's words, no hidden tests, no tracebacks.
c.GenerateFeedback.preprocessors = [
    "kamlab.assess.nbgrader_ext.FeedbackCleaner",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
