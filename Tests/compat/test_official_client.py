"""The official `datarobot` client's custom-job classes against a live cjr server."""
import time
import warnings
from pathlib import Path

import pytest

import datarobot as dr
from datarobot.errors import ClientError
from datarobot.models.registry import Job, JobRun
from datarobot.models.registry.job_run import JobRunStatus
from datarobot.models.runtime_parameters import RuntimeParameterValue

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "runtime-parameters"


@pytest.fixture(autouse=True)
def strict_warnings():
    """Any warning from the client is a failure; the one exception is urllib3's own
    deprecation notice, which the client triggers while configuring retries, before it
    ever talks to a server."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=FutureWarning, message=".*allowed_methods.*")
        yield


@pytest.fixture
def client(server):
    dr.Client(endpoint=server.endpoint, token=server.token)
    return server


def test_job_lifecycle_with_runtime_parameters(client, tmp_path):
    job = Job.create(
        name="compat: parameters",
        folder_path=str(EXAMPLE),
        runtime_parameter_values=[RuntimeParameterValue(field_name="THRESHOLD", type="numeric", value=42)],
    )
    assert job.environment_id and job.entry_point
    assert {item.file_path for item in job.items} == {"metadata.yaml", "run.sh", "README.md"}
    threshold = next(p for p in job.runtime_parameters if p.field_name == "THRESHOLD")
    assert threshold.current_value == 42 and threshold.default_value == 10

    fetched = Job.get(job.id)
    assert fetched.name == job.name
    assert job.id in [listed.id for listed in Job.list()]

    # Update: description, an extra file, then the entry point.
    extra = tmp_path / "second.sh"
    extra.write_text("#!/bin/bash\necho second entry point\n")
    job.update(description="updated by the official client", files=[(str(extra), "second.sh")])
    assert job.description == "updated by the official client"
    second = next(item for item in job.items if item.file_path == "second.sh")
    job.update(entry_point=second.id)
    assert job.entry_point == second.id

    run = JobRun.create(job.id, max_wait=120)
    assert run.status == JobRunStatus.SUCCEEDED
    assert isinstance(run.duration, float) and run.duration > 0
    assert run.get_logs() == "second entry point\n"

    job.update(entry_point=next(item.id for item in job.items if item.file_path == "run.sh"))
    run = JobRun.create(
        job.id, max_wait=120,
        runtime_parameter_values=[RuntimeParameterValue(field_name="GREETING", type="string", value="from the run")],
    )
    assert run.status == JobRunStatus.SUCCEEDED
    logs = run.get_logs()
    assert "GREETING=from the run" in logs
    assert "THRESHOLD=42.0" in logs
    received = {p.field_name: p.current_value for p in run.runtime_parameters}
    assert received["GREETING"] == "from the run" and received["THRESHOLD"] == 42

    runs = JobRun.list(job.id)
    assert {r.id for r in runs} >= {run.id}
    run.delete_logs()
    assert run.get_logs() is None

    job.delete()
    with pytest.raises(ClientError) as error:
        Job.get(job.id)
    assert error.value.status_code == 404


def test_failing_run_and_cancel(client, tmp_path):
    folder = tmp_path / "failing"
    folder.mkdir()
    (folder / "run.sh").write_text("echo failing on purpose\nexit 3\n")
    job = Job.create(name="compat: failing", folder_path=str(folder))
    run = JobRun.create(job.id, max_wait=120)
    assert run.status == JobRunStatus.FAILED
    assert "failing on purpose" in run.get_logs()

    (folder / "run.sh").write_text("echo waiting\nsleep 300\n")
    job.update(files=[(str(folder / "run.sh"), "run.sh")])
    long_run = JobRun.create(job.id, max_wait=None)  # the client waits 600 s by default
    deadline = time.time() + 30
    while "waiting" not in (long_run.get_logs() or "") and time.time() < deadline:
        time.sleep(0.2)
    long_run.cancel()
    deadline = time.time() + 30
    while time.time() < deadline:
        long_run.refresh()
        if long_run.status == JobRunStatus.CANCELED:
            break
        assert long_run.status in (JobRunStatus.RUNNING, JobRunStatus.CANCELING)
        time.sleep(0.2)
    assert long_run.status == JobRunStatus.CANCELED


def test_client_errors_are_readable(client):
    with pytest.raises(ClientError) as error:
        Job.create(name="x" * 300)
    assert error.value.status_code == 422
    assert "name" in str(error.value)
