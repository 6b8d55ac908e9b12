"""Skips that hide: under CI=true (root, packages installable) a test skipped because the
environment lacks something CI is expected to provide fails instead, with its reason on one
line. Outside CI a skip stays a skip (pytest -rs lists them; tests/run_all.sh counts them).

The environment's lacks are recognised by their reasons: an engine not built, a module that
cannot be imported (pytest.importorskip), no mpirun, no C compiler, no root for a tmpfs. A skip
that is a property of the machine or of the case (a CPU without AVX2, a README block marked not
runnable) stays a skip everywhere. Tests that know their skip is environmental may also call
ci_skip(reason) from here directly (tests/faults does).
"""

import os
import re

import pytest

CI = os.environ.get("CI", "").lower() == "true"

# Reasons that name something CI must have.
ENVIRONMENT = re.compile(r"is not built|not built \(make|could not import|no mpirun|"
                         r"no C compiler|cannot mount|needs root")


def ci_skip(reason):
    """pytest.skip(reason), or pytest.fail under CI=true."""
    if CI:
        pytest.fail(f"skipped under CI=true, a failure here: {reason}", pytrace=False)
    pytest.skip(reason)


def _reason(report):
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2])
    return str(lr)


def _fail_if_environmental(report):
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = _reason(report).splitlines()[0] if _reason(report) else "?"
        if ENVIRONMENT.search(reason):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI=true, a failure here: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_if_environmental(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_if_environmental(outcome.get_result())
