"""axe-core in the browser tests (issue 13 item 11): the vendored static/vendor/axe-core/axe.min.js (npm, version in
package.json, refreshed by scripts/vendor_assets.sh) is injected into the page under test and run against WCAG 2.1
A and AA. No page of the portal loads it: it comes in through the test only, as a same-host script, so the portal's
Content-Security-Policy (script-src 'self') stays on while it runs."""
from __future__ import annotations

import json
from pathlib import Path

AXE_PATH = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
AXE_URL = "/static/vendor/axe-core/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact, summary: n.failureSummary,
                              html: n.html.slice(0, 160)})),
  }));
}"""


def run_axe(page, tags=WCAG_TAGS) -> list[dict]:
    """The page's violations of the given axe tags: [{id, impact, help, nodes: [{target, impact, summary, html}]}]."""
    assert AXE_PATH.exists(), f"{AXE_PATH} is missing: run scripts/vendor_assets.sh"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
        page.wait_for_function("() => typeof window.axe === 'object'")
    return page.evaluate(RUN, list(tags))


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict], limit: int = 4) -> str:
    """The violations, readable in an assertion message."""
    lines = [f"{url}: {len(violations)} violation(s)"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} element(s))")
        for node in v["nodes"][:limit]:
            lines.append(f"      {node['target']}  {node['html']}")
            if node["summary"]:
                lines.append("        " + node["summary"].replace("\n", "\n        "))
    return "\n".join(lines)


def summary(violations: list[dict]) -> dict:
    """Counts by impact (rules and elements), for reports."""
    counts: dict = {}
    for v in violations:
        entry = counts.setdefault(v["impact"] or "none", {"rules": 0, "elements": 0})
        entry["rules"] += 1
        entry["elements"] += len(v["nodes"])
    return counts


def dump(results: dict, path: str) -> None:
    """Write {url: violations} as JSON (for the report); nothing fails if the folder is not writable."""
    try:
        Path(path).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    except OSError:
        pass
