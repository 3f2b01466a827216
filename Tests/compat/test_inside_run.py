"""examples/python-client: a job whose code uses the official client from inside its
run, through the DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN the run receives."""
import json
import pathlib
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
