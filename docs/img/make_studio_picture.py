"""Make the README picture of the studio (needs Selenium, Chromium and chromedriver).

    python docs/img/make_studio_picture.py

Starts the studio on the demo area in this process, opens it in headless Chromium
(networking off), loads ``examples/plan_demostad.geojson`` through the page's upload
button, waits for the plan check and writes ``studio.png`` next to this script.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "plan_demostad.geojson"


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from afweging.data.demo import demo_area
    from afweging.studio.app import serve_in_thread
    from afweging.studio.service import Studio

    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver_path is None:
        raise SystemExit("Install chromium and chromium-driver to make the picture.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        area = demo_area()
    studio = Studio(area, workers=1)
    studio.prepare()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--window-size=1500,1000", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    udd = tempfile.mkdtemp(prefix="afweging-selenium-")
    options.add_argument(f"--user-data-dir={udd}")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        with serve_in_thread(studio) as url:
            driver.get(url + "/")
            wait = WebDriverWait(driver, 120)
            wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-klaar") == "1")
            driver.find_element(By.ID, "upload").send_keys(str(EXAMPLE))
            wait.until(lambda d: d.find_element(By.ID, "uitkomst").is_displayed())
            driver.execute_script("document.getElementById('resultaat').scrollIntoView();")
            driver.save_screenshot(str(HERE / "studio.png"))
    finally:
        driver.quit()
        studio.close()
        shutil.rmtree(udd, ignore_errors=True)
    print(f"written {HERE / 'studio.png'}")


if __name__ == "__main__":
    main()
