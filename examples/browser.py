"""`make demo-browser`: the login page (examples/web) in a real browser, against
all five example backends.

A TestIssuer plays the provider, its hosted login page (/authorize) plays the
provider's widget, and headless Chromium, driven by selenium, plays the user:
open the backend's page, sign in as alice at the issuer, come back signed in,
reload (the cookie keeps the session), sign out, then sign in with a token
that has already expired and come back refused. The backends alternate
between the Cotter and the Secuuth payload. Each step saves a screenshot and
prints ok or FAIL; exits non-zero if any step fails.

Needs Chromium and its driver at /usr/bin (Debian: `apt-get install chromium
chromium-driver`); nothing is downloaded.

Usage: python examples/browser.py [--screenshots DIR] [BACKEND ...]
Screenshots go to DIR/<backend>/NN-step.png; DIR defaults to
$TOKENWARD_SCREENSHOTS, else examples/screenshots.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

import demo  # examples/demo.py: start() and backends(), shared with `make demo`
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from tokenward.testing import TestIssuer

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
STYLES = ("cotter", "secuuth")
# Generous: Chromium and five servers share two busy cores. Waits end as soon
# as the page is ready; only a failing step waits this long.
WAIT_SECONDS = 30


def browser() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # --no-sandbox: Chromium's sandbox cannot start as root in a container.
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=900,700"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


class Walk:
    def __init__(self, name: str, base: str, style: str, driver: WebDriver, screenshots: Path) -> None:
        self.name, self.base, self.style, self.driver = name, base, style, driver
        self.screenshots = screenshots
        self.failures = 0
        self.steps = 0

    def step(self, title: str, slug: str, check: Callable[[], Optional[str]]) -> None:
        try:
            problem = check()
        except Exception as e:  # a crash in a step is a failed step, not a crashed run
            problem = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        self.steps += 1
        shot = self.screenshots / f"{self.steps:02d}-{slug}.png"
        try:
            self.driver.save_screenshot(str(shot))
        except Exception as e:
            problem = problem or f"no screenshot: {e}"
        mark = "ok  " if problem is None else "FAIL"
        print(f"  {mark} {title}" + ("" if problem is None else f"\n         {problem}"))
        self.failures += problem is not None

    def shown(self, element_id: str) -> bool:
        """Waits until the element is displayed; False if it never is."""
        try:
            WebDriverWait(self.driver, WAIT_SECONDS).until(
                lambda d: d.find_element(By.ID, element_id).is_displayed()
            )
        except Exception:
            return False
        return True

    def text(self, element_id: str) -> str:
        return str(self.driver.find_element(By.ID, element_id).text)

    def signed_in_as(self, name: str, subject: str, email: str) -> Optional[str]:
        if not self.shown("signed-in"):
            return f"not signed in at {self.driver.current_url}: {self.page_problem()}"
        seen = (self.text("name"), self.text("subject"), self.text("email"))
        if seen != (name, subject, email):
            return f"expected {(name, subject, email)}, the page shows {seen}"
        return None

    def page_problem(self) -> str:
        try:
            if self.driver.find_element(By.ID, "error").is_displayed():
                return f"the page says {self.text('error')!r}"
        except Exception:
            pass
        return "no error shown"

    def at_issuer(self) -> Optional[str]:
        if not self.shown("user-alice"):
            return f"no test users at {self.driver.current_url}"
        if not str(self.driver.title).startswith("Sign in to TestIssuer"):
            return f"expected the issuer's login page, got {self.driver.title!r}"
        return None

    def run(self) -> int:
        print(f"\n{self.name}  ({self.base}, {self.style} payload)")
        self.screenshots.mkdir(parents=True, exist_ok=True)

        def start() -> Optional[str]:
            self.driver.get(f"{self.base}/")
            if not self.shown("sign-in"):
                return f"no Sign in button: {self.page_problem()}"
            if self.driver.find_element(By.ID, "error").is_displayed():
                return f"a first visit shows an error: {self.page_problem()}"
            return None

        self.step("GET / shows Sign in", "start", start)

        def to_issuer() -> Optional[str]:
            self.driver.find_element(By.ID, "sign-in").click()
            return self.at_issuer()

        self.step("Sign in goes to the issuer's login page", "issuer", to_issuer)

        def choose_alice() -> Optional[str]:
            self.driver.find_element(By.ID, "user-alice").click()
            problem = self.signed_in_as("Alice Liddell", "alice", "alice@example.com")
            if problem is None and "#" in self.driver.current_url:
                return f"the tokens are still in the address bar: {self.driver.current_url[:80]}..."
            return problem

        self.step("choosing alice comes back signed in as Alice", "signed-in", choose_alice)

        def reload() -> Optional[str]:
            self.driver.refresh()
            return self.signed_in_as("Alice Liddell", "alice", "alice@example.com")

        self.step("reload: the cookie keeps the session", "reload", reload)

        def sign_out() -> Optional[str]:
            self.driver.find_element(By.ID, "sign-out").click()
            if not self.shown("sign-in"):
                return "no Sign in button after signing out"
            self.driver.refresh()
            if not self.shown("sign-in"):
                return f"signed in again after a reload: {self.page_problem()}"
            return None

        self.step("Sign out shows Sign in, also after a reload", "signed-out", sign_out)

        def expired() -> Optional[str]:
            self.driver.find_element(By.ID, "sign-in").click()
            problem = self.at_issuer()
            if problem is not None:
                return problem
            # The issuer's test knob: the same sign-in, with tokens that expired 2 minutes ago.
            self.driver.get(f"{self.driver.current_url}&expires_in=-120")
            self.driver.find_element(By.ID, "user-alice").click()
            if not self.shown("error"):
                return f"no error shown at {self.driver.current_url}"
            code = self.text("error-code").lower().removeprefix("err_")  # Node: ERR_TOKEN_EXPIRED
            if code != "token_expired" or not self.driver.find_element(By.ID, "sign-in").is_displayed():
                return f"expected Sign in and token_expired, got {self.page_problem()}"
            return None

        self.step("an expired token comes back to Sign in with token_expired", "expired", expired)
        return self.failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--screenshots",
        type=Path,
        default=Path(os.environ.get("TOKENWARD_SCREENSHOTS", demo.ROOT / "examples/screenshots")),
        help="directory for the screenshots, one subdirectory per backend",
    )
    all_backends = demo.backends()
    parser.add_argument("names", nargs="*", metavar="BACKEND", help=f"any of {', '.join(all_backends)} (all)")
    args = parser.parse_args()
    unknown = set(args.names) - set(all_backends)
    if unknown:
        parser.error(
            f"unknown backend(s) {', '.join(sorted(unknown))}; choose from {', '.join(all_backends)}"
        )
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).is_file()]
    if missing:
        print(f"{' and '.join(missing)} not found: apt-get install chromium chromium-driver", file=sys.stderr)
        return 2
    chosen = {name: command for name, command in all_backends.items() if not args.names or name in args.names}

    began = time.monotonic()
    provider = TestIssuer(["ES256"])
    print(f"provider (TestIssuer): {provider.url}  login page {provider.url}/authorize")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="tokenward-browser-") as tmp:
        for name, command in chosen.items():
            # demo.start() passes its own environment on to the backend.
            style = os.environ["TOKENWARD_STYLE"] = STYLES[list(all_backends).index(name) % len(STYLES)]
            process: Optional[subprocess.Popen[bytes]] = None
            driver: Optional[WebDriver] = None
            try:
                process, base = demo.start(name, command, provider, Path(tmp))
                driver = browser()
                failures += Walk(name, base, style, driver, args.screenshots / name).run()
            except Exception as e:
                print(f"\n{name}\n  FAIL could not start: {e}")
                failures += 1
            finally:
                if driver is not None:
                    driver.quit()
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
    elapsed = time.monotonic() - began
    print(f"\nscreenshots in {args.screenshots}; {elapsed:.0f} s")
    print(f"{'all steps passed' if failures == 0 else f'{failures} step(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
