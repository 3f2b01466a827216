"""The web console in a real browser: headless Chromium driven by Selenium against a live
`cjr serve`. Screenshots of each page go to .build/console-screenshots/."""
import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".build" / "console-screenshots"

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
# scripts/setup installs both; CI sets CJR_REQUIRE_BROWSER so that a missing one fails.
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER) and not os.environ.get("CJR_REQUIRE_BROWSER"),
                                reason="chromium and chromium-driver are not installed (scripts/setup installs them)")


@pytest.fixture(scope="module")
def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--disable-gpu", "--no-first-run"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def console(server):
    return server.endpoint[: -len("/api/v2")]


def create_job(server, name, files, token=None):
    """A job from {path: text} through the API; returns its id."""
    parts = [("name", (None, name))]
    for path, text in files.items():
        parts += [("file", (os.path.basename(path), text.encode())), ("filePath", (None, path))]
    response = requests.post(server.endpoint + "/customJobs/", files=parts,
                             headers={"Authorization": f"Bearer {token or server.token}"}, timeout=30)
    response.raise_for_status()
    return response.json()["id"]


def start_run(server, job_id):
    response = requests.post(f"{server.endpoint}/customJobs/{job_id}/runs/", headers={"Authorization": f"Bearer {server.token}"},
                             timeout=30)
    response.raise_for_status()
    return response.json()["id"]


def run_status(server, job_id, run_id):
    return requests.get(f"{server.endpoint}/customJobs/{job_id}/runs/{run_id}/",
                        headers={"Authorization": f"Bearer {server.token}"}, timeout=30).json()["status"]


def wait_until(what, condition, timeout=60, every=0.1):
    """Polls `condition` until it holds. An element missing or replaced is "not yet": the
    page may be between two documents (a form posted, its redirect loading) or redrawing."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = condition()
        except (NoSuchElementException, StaleElementReferenceException):
            value = None
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def log_in(driver, server, token=None):
    driver.delete_all_cookies()
    driver.get(console(server) + "/login")
    shot(driver, "login")
    driver.find_element(By.NAME, "token").send_keys(token or server.token)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait_until("the runs page", lambda: driver.find_elements(By.ID, "runs"))


def requests_per_second(driver):
    """The page's own fetches per second since it loaded: what it costs the server."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource').filter(function (e) { return e.initiatorType === 'fetch'; }).length"
        " / (performance.now() / 1000);")


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def badge(driver, run_id):
    """The status badge of a run's row on the runs page, as the page shows it now (read in
    one script: the table is replaced as a whole every 2 s)."""
    rows = driver.execute_script(
        "return Array.from(document.querySelectorAll('#runs tbody tr')).map(function (row) {"
        "  var id = row.querySelector('code'), badge = row.querySelector('.badge');"
        "  return [id ? id.textContent : '', badge ? badge.textContent : ''];"
        "});")
    return next((text for (run, text) in rows if run == run_id), None)


def test_runs_appear_and_change_state_without_reloading(browser, server):
    log_in(browser, server)
    browser.execute_script("window.cjrNotReloaded = true")
    job = create_job(server, "console: blocker", {"run.sh": "sleep 3\necho done\n"})
    runs = [start_run(server, job) for _ in range(3)]  # two workers: the third waits
    seen = {}
    def states():
        for run in runs:
            text = badge(browser, run)
            if text:
                seen.setdefault(run, [])
                if not seen[run] or seen[run][-1] != text:
                    seen[run].append(text)
        return all(seen.get(run, [""])[-1] == "succeeded" for run in runs)
    wait_until("every run to succeed on the page", states, timeout=60, every=0.2)
    shot(browser, "runs")
    assert browser.execute_script("return window.cjrNotReloaded") is True, "the page was reloaded"
    assert seen[runs[2]][0].startswith("queued ("), seen
    assert "running" in seen[runs[2]] and seen[runs[2]][-1] == "succeeded", seen
    rate = requests_per_second(browser)
    assert 0.2 < rate <= 1, f"the runs page polls every 2 s: {rate:.2f} requests/s"
    gauge = browser.find_element(By.ID, "gauge").text
    assert "/ 2 running" in gauge and "queued" in gauge, gauge


def test_a_log_is_followed_while_the_run_goes_on(browser, server):
    log_in(browser, server)
    job = create_job(server, "console: ticker", {"run.sh": "for i in $(seq 1 20); do echo \"tick $i\"; sleep 0.2; done\n"})
    run = start_run(server, job)
    browser.get(f"{console(server)}/runs/{run}")
    log = browser.find_element(By.ID, "log")
    wait_until("tick 5 in the page", lambda: "tick 5\n" in log.text + "\n", timeout=30)
    assert run_status(server, job, run) == "running", "lines arrive while the run still runs"
    wait_until("the run's end on the page", lambda: "succeeded" in browser.find_element(By.ID, "summary").text, timeout=30)
    assert log.text.splitlines() == [f"tick {i}" for i in range(1, 21)]
    rate = requests_per_second(browser)
    assert rate <= 3, f"a followed log costs at most a few requests a second: {rate:.2f}"
    shot(browser, "run")


def test_the_run_form_types_parameters(browser, server):
    log_in(browser, server)
    metadata = ("runtimeParameterDefinitions:\n"
                "  - fieldName: STEPS\n    type: numeric\n    minValue: 1\n    maxValue: 9\n    defaultValue: 2\n"
                "  - fieldName: DRY_RUN\n    type: boolean\n    defaultValue: true\n")
    job = create_job(server, "console: typed", {"run.sh": "echo \"steps=$STEPS dry=$DRY_RUN\"\n", "metadata.yaml": metadata})
    browser.get(f"{console(server)}/jobs/{job}")
    shot(browser, "job")
    steps = browser.find_element(By.NAME, "p.STEPS")
    assert steps.get_attribute("type") == "number" and steps.get_attribute("max") == "9"
    steps.clear()
    steps.send_keys("7")
    box = browser.find_element(By.NAME, "p.DRY_RUN")
    assert box.get_attribute("type") == "checkbox" and box.is_selected()
    box.click()
    browser.find_element(By.CSS_SELECTOR, "form.runform button").click()
    wait_until("the new run's page", lambda: "/runs/" in browser.current_url)
    wait_until("its end", lambda: "succeeded" in browser.find_element(By.ID, "summary").text, timeout=60)
    wait_until("its log", lambda: "steps=7.0 dry=False" in browser.find_element(By.ID, "log").text, timeout=10)


def test_cancel_from_the_page(browser, server):
    log_in(browser, server)
    job = create_job(server, "console: long", {"run.sh": "echo started\nsleep 120\n"})
    run = start_run(server, job)
    browser.get(f"{console(server)}/runs/{run}")
    wait_until("the run to start", lambda: "started" in browser.find_element(By.ID, "log").text, timeout=30)
    browser.find_element(By.CSS_SELECTOR, "#cancel button").click()
    wait_until("canceled on the page", lambda: "canceled" in browser.find_element(By.ID, "summary").text, timeout=30)
    assert run_status(server, job, run) == "canceled"


def test_html_in_names_and_logs_is_text(browser, server):
    log_in(browser, server)
    name = "<img src=x onerror=alert(1)>"
    job = create_job(server, name, {"run.sh": "echo '<script>alert(2)</script><b>bold</b>'\n"})
    run = start_run(server, job)
    wait_until("the run's end", lambda: run_status(server, job, run) == "succeeded", timeout=60)
    for path in ["/", "/jobs", f"/jobs/{job}", f"/runs/{run}"]:
        browser.get(console(server) + path)
        time.sleep(0.3)
        try:
            alert = browser.switch_to.alert
            raise AssertionError(f"{path} ran a script: {alert.text}")
        except NoAlertPresentException:
            pass
        assert name in browser.find_element(By.TAG_NAME, "main").text, path
    assert "<script>alert(2)</script><b>bold</b>" in browser.find_element(By.ID, "log").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#log b, main img")


def test_another_user_sees_none_of_it(browser, server):
    server.cjr("users", "add", "carol-console")
    token = server.cjr("tokens", "create", "--user", "carol-console").strip().splitlines()[-1].strip()
    create_job(server, "console: mine", {"run.sh": "true\n"}, token=token)
    log_in(browser, server, token=token)
    assert "console: blocker" not in browser.find_element(By.TAG_NAME, "main").text
    browser.get(console(server) + "/jobs")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "console: mine" in text and "console: blocker" not in text and "console: typed" not in text
    shot(browser, "jobs")
