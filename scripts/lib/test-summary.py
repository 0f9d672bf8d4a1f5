"""Adds up the JUnit-style XML reports every test runner of the build writes under */target/
(Surefire, CTest's --output-junit, pytest's --junitxml) and prints one closing summary."""
import pathlib
import sys
import xml.etree.ElementTree as ET


def suites(report):
    root = ET.parse(report).getroot()
    return [root] if root.tag == "testsuite" else root.findall("testsuite")


def main(root):
    tests = failures = errors = skipped = 0
    for report in sorted(pathlib.Path(root).glob("*/target/*-reports/*.xml")):
        try:
            found = suites(report)
        except ET.ParseError:
            continue
        for suite in found:
            tests += int(suite.get("tests", 0))
            failures += int(suite.get("failures", 0))
            errors += int(suite.get("errors", 0))
            skipped += int(suite.get("skipped", suite.get("disabled", 0)))
    passed = tests - failures - errors - skipped
    print()
    print(f"Tests run: {tests}, Failures: {failures}, Errors: {errors}, Skipped: {skipped}")
    print(f"{passed} passed, {failures + errors} failed, {skipped} skipped")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
