"""Server CPU per answer, per kind of request of the load bench (``bench/load.py``).

The real server (``drachma serve``) on the load bench's database (made by an earlier
``bench/load.py`` run, reused as ``--reuse`` does), sent each kind of the bench's requests on its
own - ``--per`` requests, ``--at-once`` in flight - in turn, for ``--rounds`` rounds (after a few
of each, not counted), and the server process's CPU seconds (``/proc``) over each batch divided
by its requests. Closed loop, at a low rate: what one answer of each kind costs the server, not
how it copes with the open-loop load.

    .venv/bin/python bench/load_kinds.py --reports 100000

See bench/README.md (load section).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load

KINDS = ("search", "report page", "list, offset", "list, next page", "public form")
WORDS = load.SEARCH_WORDS
WARM_UP = 10  # requests of each kind sent before anything is measured


async def measure(base: str, pid: int, reports: int, rounds: int, per: int, at_once: int
                  ) -> dict[str, list[float]]:
    rng = random.Random(0)
    pool = load.page_pool(reports)
    client = httpx.AsyncClient(base_url=base, timeout=60)
    login = await client.post("/api/login", json={"username": load.USER,
                                                   "password": load.PASSWORD})
    if login.status_code != 200:
        raise SystemExit(f"the bench's log-in failed: {login.status_code} {login.text}")
    bearer = {"Authorization": f"Bearer {login.json()['token']}"}
    public = [httpx.AsyncClient(base_url=base, timeout=60,
                                transport=httpx.AsyncHTTPTransport(local_address=address))
              for address in load.PUBLIC_ADDRESSES]
    tokens = []
    for each in public:
        page = await each.get("/public/report")
        found = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
        if found is None:
            raise SystemExit(f"/public/report answered {page.status_code} with no form")
        tokens.append(found.group(1))
    following: list[str] = []  # next pages' addresses, as load.Walks follows them
    sent = 0

    def request(kind: str) -> Awaitable[httpx.Response]:
        nonlocal sent
        sent += 1
        if kind == "search":
            words = " ".join(rng.sample(WORDS, rng.choice((1, 2))))
            return client.get("/api/reports", params={"q": words, "limit": 20}, headers=bearer)
        if kind == "report page":
            return client.get(f"/reports/{rng.choice(pool)}")
        if kind == "list, offset":
            return client.get("/api/reports", headers=bearer, params={
                "offset": rng.randrange(0, min(load.MAX_LIST_OFFSET, reports) + 1), "limit": 50})
        if kind == "list, next page":
            if following and rng.random() < 0.95:
                return client.get(following.pop(rng.randrange(len(following))), headers=bearer)
            day = load.DATA_START + load.timedelta(
                days=rng.randrange((load.DATA_END - load.DATA_START).days))
            return client.get("/api/reports", headers=bearer,
                              params={"received_to": day.isoformat(), "limit": 50})
        who = sent % len(public)
        return public[who].post("/public/report", follow_redirects=False, data={
            "csrf_token": tokens[who], "concern": "group_activity",
            "what_happened": "An invented test: a group said it would meet a man at the station "
                             "tonight and stream it.",
            "when_text": "today, about 7pm", "where_text": "Leeds station",
            "platform": "Facebook", "links": "https://example.invalid/live"})

    out: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statuses: dict[str, dict[int, int]] = {kind: {} for kind in KINDS}
    for kind in KINDS:  # not counted: templates compiled, caches filled, connections opened
        await asyncio.gather(*(request(kind) for _ in range(WARM_UP)))
    for _ in range(rounds):
        for kind in KINDS:
            began = load.cpu_seconds(pid)
            done = 0
            while done < per:
                batch: list[Awaitable[httpx.Response]] = [
                    request(kind) for _ in range(min(at_once, per - done))]
                for answer in await asyncio.gather(*batch):
                    counts = statuses[kind]
                    counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
                    link = re.search(r'<([^>]*)>; rel="next"', answer.headers.get("link", ""))
                    if kind == "list, next page" and link and len(following) < load.WALKS:
                        following.append(link.group(1))
                done += len(batch)
            await asyncio.sleep(0.3)  # the server's last answers of the batch counted in it
            out[kind].append((load.cpu_seconds(pid) - began) / per * 1000)
    print("answers by status:", {kind: dict(sorted(s.items())) for kind, s in statuses.items()})
    closing: list[Callable[[], Awaitable[None]]] = [c.aclose for c in (client, *public)]
    for close in closing:
        await close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=100_000,
                        help="the load bench's database of this many reports (SQLite)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per", type=int, default=60, help="requests of a kind in a round")
    parser.add_argument("--at-once", type=int, default=4, help="requests in flight at once")
    args = parser.parse_args()
    home = load.home_of("sqlite", args.reports, load.SCHEMA)
    url = load.reuse("sqlite", args.reports, "", load.SCHEMA)
    port = load.free_port()
    server = load.start_server(url, home, port)
    try:
        print(f"machine load before: {load.uptime()}")
        out = asyncio.run(measure(f"http://127.0.0.1:{port}", server.pid, args.reports,
                                  args.rounds, args.per, args.at_once))
        print(f"machine load after:  {load.uptime()}")
    finally:
        load.stop_server(server)
    for kind, values in out.items():
        ordered = sorted(values)
        print(f"{kind:<16} server CPU {ordered[len(ordered) // 2]:5.1f} ms an answer (median of "
              f"{len(values)} rounds: {', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
