"""Do-no-harm checks: evidence-backed harm-risk findings and a gate for CI.

`run_checks` computes every check of the project (or the pipeline's selection) over the
warehouse as of a date and INSERTs the findings into `dnh_findings`; `print_findings` shows a
run's findings; `gate` turns them into an exit code. See docs/do-no-harm.md.
"""

from __future__ import annotations

from sceval.dnh.gate import gate, print_findings
from sceval.dnh.run import run_checks

__all__ = ["gate", "print_findings", "run_checks"]
