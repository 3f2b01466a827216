"""examples/python-client: a job whose code uses the official client from inside its
run, through the DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN the run receives."""
import json
import pathlib
import subprocess
import sys
import warnings

import datarobot as dr
from datarobot.models.registry import Job, JobRun
from datarobot.models.registry.job_run import JobRunStatus

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python-client"


def test_a_run_calls_the_api_with_its_own_token(server):
    # An execution environment whose Python has the client: this test's own virtualenv.
    server.cjr("environments", "add", "compat-python", "--venv", sys.prefix)
    warnings.simplefilter("ignore", FutureWarning)
    dr.Client(endpoint=server.endpoint, token=server.token)
    environment = next(e for e in dr.ExecutionEnvironment.list() if e.name == "compat-python")

    job = Job.create(name="compat: inside", folder_path=str(EXAMPLE), environment_id=environment.id)
    run = JobRun.create(job.id, max_wait=120)
    logs = run.get_logs()
    assert run.status == JobRunStatus.SUCCEEDED, logs
    lines = logs.strip().splitlines()
    assert lines[-2] == "job 'compat: inside' has 1 run(s); this one is running"
    assert json.loads(lines[-1]) == {"job": "compat: inside", "run": run.id, "status": "running"}


def test_cjr_run_serves_the_api_to_its_run(server, tmp_path):
    """`cjr run DIR` has no server of its own to point at: it serves the API on loopback
    while the run lasts, so the same job works under it unchanged."""
    data = str(tmp_path / "data")
    subprocess.run([server.binary, "environments", "add", "compat-python", "--venv", sys.prefix, "--data-dir", data],
                   check=True, capture_output=True)
    result = subprocess.run([server.binary, "run", str(EXAMPLE), "--environment", "compat-python", "--data-dir", data],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-2] == "job 'python-client' has 1 run(s); this one is running", result.stdout
    assert json.loads(lines[-1])["job"] == "python-client"
    assert "cjr: succeeded" in result.stderr
