"""A job whose code uses the official client from inside its run, through the
DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN the run receives."""
import json
import sys
import warnings

import datarobot as dr
from datarobot.models.registry import Job, JobRun
from datarobot.models.registry.job_run import JobRunStatus

JOB_PY = '''
import json, os, warnings
warnings.simplefilter("ignore", FutureWarning)
import datarobot as dr
from datarobot.models.registry import Job, JobRun
dr.Client()  # DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN
job = Job.get(os.environ["CURRENT_CUSTOM_JOB_ID"])
run = JobRun.get(job.id, os.environ["CURRENT_CUSTOM_JOB_RUN_ID"])
print(json.dumps({"job": job.name, "run": run.id, "status": run.status.value}))
'''


def test_a_run_calls_the_api_with_its_own_token(server, tmp_path):
    # An execution environment whose Python has the client: this test's own virtualenv.
    server.cjr("environments", "add", "compat-python", "--venv", sys.prefix)
    warnings.simplefilter("ignore", FutureWarning)
    dr.Client(endpoint=server.endpoint, token=server.token)
    environment = next(e for e in dr.ExecutionEnvironment.list() if e.name == "compat-python")

    folder = tmp_path / "inside"
    folder.mkdir()
    (folder / "run.sh").write_text('#!/bin/bash\ncd "$(dirname "$0")"\nexec python3 job.py\n')
    (folder / "job.py").write_text(JOB_PY)
    job = Job.create(name="compat: inside", folder_path=str(folder), environment_id=environment.id)
    run = JobRun.create(job.id, max_wait=120)
    logs = run.get_logs()
    assert run.status == JobRunStatus.SUCCEEDED, logs
    seen = json.loads(logs.strip().splitlines()[-1])
    assert seen == {"job": "compat: inside", "run": run.id, "status": "running"}
