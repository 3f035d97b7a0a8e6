"""The layout walk: every page a role can reach, in a phone (360 × 740) and on a desktop
(1280 × 800): no horizontal overflow, tap targets ≥ 44 × 44 px on the phone, a menu that does not
wrap on the desktop, labels of card tables on their own line, and axe-core (vendored from npm,
tests/browser/vendor/axe.min.js) with no critical or serious violation.

``pages_for(client, limit)`` lists the pages (one URL per view, found by following links as the
role sees them); ``check(page, url, phone=True)`` loads one and returns its problems."""

from __future__ import annotations

import collections
import re
from pathlib import Path

from django.urls import Resolver404, resolve

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does not apply.
AXE_INSTALL = "() => { " + AXE + "\n; return typeof window.axe; }"
SKIP = ("/static/", "/admin/", "/accounts/logout", "/i18n/", "/healthz")
DOWNLOADS = (
    ".pdf",
    ".xlsx",
    ".zip",
    ".csv",
    "/download",
    "/export",
    "/evidence/",
    "/file",
    "/photo",
    "/print",
    "/card.png",
)

# Small inline links inside running text are exempt from the 44 px rule (WCAG 2.5.8 "inline").
TAP_JS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('main a[href], main button, main input:not([type=hidden]), main select, main summary, nav a[href], nav button')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || !el.checkVisibility()) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.display === 'none') continue;
    if (el.tagName === 'A' && st.display === 'inline' && el.closest('p, li, td, dd, span, .small, .muted, h1, h2, h3, label')) continue;
    if ((el.type === 'checkbox' || el.type === 'radio') && [...(el.labels || [])].some(l => l.getBoundingClientRect().height >= 43.5)) continue;
    if (r.height < 43.5 && r.width < 43.5 || r.height < 23.5) bad.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')} in ${el.parentElement.tagName.toLowerCase()}.${[...el.parentElement.classList].join('.')} "${(el.innerText || el.value || el.name || '').trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return bad.slice(0, 5);
}"""

OVERFLOW_JS = """() => {
  const w = document.documentElement.clientWidth;
  const sw = document.documentElement.scrollWidth;
  if (sw <= w + 1) return null;
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && !el.closest('.table-wrap, .grid-scroll, .scroll-x, pre')) {
      culprits.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${Math.round(r.right)}`);
      if (culprits.length > 3) break;
    }
  }
  return `scrollWidth ${sw} > ${w}: ${culprits.join(', ')}`;
}"""

MENU_JS = """() => {
  const items = [...document.querySelectorAll('.nav-bar > ul > li > a, .nav-bar > ul > li > details > summary')].filter(e => e.checkVisibility());
  const lines = e => { const r = document.createRange(); r.selectNodeContents(e); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; };
  const broken = items.filter(e => lines(e) > 1).map(e => e.innerText.trim());
  const tops = new Set(items.map(e => Math.round(e.getBoundingClientRect().top)));
  return broken.slice(0, 5).concat(tops.size > 1 ? [`menu on ${tops.size} lines`] : []);
}"""

CARD_LABEL_JS = """() => {
  const bad = [];
  for (const td of document.querySelectorAll('table.cards td[data-label], table.responsive td[data-label]')) {
    const before = getComputedStyle(td, '::before');
    if (before.content && before.content !== 'none' && before.content !== 'normal') {
      const fs = parseFloat(before.fontSize) || 14;
      const h = parseFloat(before.height);
      if (!isNaN(h) && h > fs * 2.6) bad.push(td.dataset.label);
    }
  }
  return [...new Set(bad)].slice(0, 3);
}"""


def pages_for(client, limit: int = 40, start: str = "/") -> list[str]:
    """One URL per view the role can open, following the links it is shown (breadth first)."""
    seen_views, pages, queue, visited = set(), [], collections.deque([start]), set()
    while queue and len(pages) < limit:
        url = queue.popleft()
        if url in visited:
            continue
        visited.add(url)
        try:
            view = resolve(url.split("?")[0]).view_name
        except Resolver404:
            continue
        if view in seen_views:
            continue
        resp = client.get(url)
        if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
            continue
        seen_views.add(view)
        pages.append(url)
        for href in re.findall(r'href="(/[^"#]*)"', resp.content.decode()):
            href = href.replace("&amp;", "&")
            if href.startswith(SKIP) or any(d in href for d in DOWNLOADS) or href in visited:
                continue
            queue.append(href)
    return pages


def check(page, base: str, url: str, *, phone: bool) -> list[str]:
    page.goto(base + url, wait_until="load")
    out = []
    overflow = page.evaluate(OVERFLOW_JS)
    if overflow:
        out.append(f"overflow {overflow}")
    if phone:
        small = page.evaluate(TAP_JS)
        if small:
            out.append(f"tap targets < 44 px: {small}")
        labels = page.evaluate(CARD_LABEL_JS)
        if labels:
            out.append(f"card labels wrapped: {labels}")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(AXE_INSTALL)
        result = page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.filter(v => ['critical', 'serious'].includes(v.impact))"
            ".map(v => `${v.impact} ${v.id}: ${v.nodes.length} × ${v.nodes[0].target.join(' ')}`); }"
        )
        out += [f"axe {v}" for v in result]
    else:
        menu = page.evaluate(MENU_JS)
        if menu:
            out.append(f"menu wraps: {menu}")
    return [f"{url}: {p}" for p in out]
