"""Benign web traffic for the demo host's access logs: people, crawlers, scanners, admins.

The rhythm is what makes the attack stand out and what makes naive rules
misfire, so it is modelled rather than sprinkled:

* people visit in office hours and evenings, less at night and on weekends
  (different per site: the law firm is a weekday site, the shop an evening one);
* crawlers come at any hour, fetch ``robots.txt`` and pages, never the admin;
* scanners probe every site every day for WordPress, ``.env``, ``.git`` and
  phpMyAdmin – so a 404 burst alone is *not* the attack;
* the shop owner logs in on weekdays and uploads product photos through the
  same ``admin/upload.php`` the attacker used, and the blog owner uploads through
  WordPress – so "a POST followed by a new file" is not the attack either.

Request times are nanoseconds on the host clock; the access log shows whole
seconds (Apache's ``%t`` is the time the request was received).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from breachkit.demo.content import clock

#: Addresses with a fixed role: never handed out as a random visitor.
SERVER_IP = "192.0.2.20"
GATEWAY_IP = "192.0.2.1"
OFFICE_IP = "192.0.2.10"
THOMAS_HOME_IP = "198.51.100.140"
ANNA_HOME_IP = "192.0.2.145"
SHOP_OWNER_IP = "198.51.100.58"
BLOG_OWNER_IP = "198.51.100.94"
MONITOR_IP = "198.51.100.10"
ATTACKER_IP = "203.0.113.77"
PAYLOAD_HOST_IP = "198.51.100.23"
#: the "wiped" incident: the web client, the SSH login as anna, the root login that wiped, the miner's host
INTRUDER_WEB_IP = "192.0.2.189"
INTRUDER_SSH_IP = "198.51.100.201"
INTRUDER_ROOT_IP = "203.0.113.166"
MINER_HOST_IP = "203.0.113.88"
RESERVED_IPS = frozenset(
    {
        SERVER_IP,
        GATEWAY_IP,
        OFFICE_IP,
        "192.0.2.11",
        THOMAS_HOME_IP,
        ANNA_HOME_IP,
        SHOP_OWNER_IP,
        BLOG_OWNER_IP,
        MONITOR_IP,
        ATTACKER_IP,
        PAYLOAD_HOST_IP,
        INTRUDER_WEB_IP,
        INTRUDER_SSH_IP,
        INTRUDER_ROOT_IP,
        MINER_HOST_IP,
        "192.0.2.53",
        "192.0.2.54",
        "192.0.2.123",
        "203.0.113.200",
    }
)

BROWSERS: tuple[tuple[str, float], ...] = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.0.0 Safari/537.36",
        30,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.7 Mobile/15E148 Safari/604.1",
        22,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.0.0 Mobile Safari/537.36",
        18,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0", 9),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.6 Safari/605.1.15",
        10,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
        8,
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", 3),
)

#: (user agent, share of crawler requests, fixed address)
CRAWLERS: tuple[tuple[str, float, str], ...] = (
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 30, "198.51.100.66"),
    (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.7444.59 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        20,
        "198.51.100.67",
    ),
    ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 15, "198.51.100.71"),
    ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 10, "203.0.113.9"),
    ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", 8, "203.0.113.14"),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        7,
        "192.0.2.240",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
        5,
        "192.0.2.241",
    ),
    ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", 5, "203.0.113.19"),
)

SCANNER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 "
    "Safari/537.36",
    "Mozilla/5.0 zgrab/0.x",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "curl/7.88.1",
    "Mozilla/5.0 (l9scan/2.0.2313e2332313e2534313e28313; +https://leakix.net)",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
)

SCANNER_PROBES = (
    ("GET", "/.env"),
    ("GET", "/.git/config"),
    ("GET", "/wp-login.php"),
    ("GET", "/xmlrpc.php"),
    ("GET", "/phpmyadmin/"),
    ("GET", "/pma/"),
    ("GET", "/admin/"),
    ("GET", "/wp-admin/setup-config.php"),
    ("GET", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"),
    ("GET", "/.aws/credentials"),
    ("GET", "/config.json"),
    ("GET", "/server-status"),
    ("GET", "/backup.zip"),
    ("GET", "/.DS_Store"),
    ("POST", "/"),
    ("GET", "/wp-content/plugins/wp-file-manager/readme.txt"),
    ("GET", "/info.php"),
    ("GET", "/cgi-bin/luci/;stok=/locale"),
    ("GET", "/actuator/health"),
    ("GET", "/owa/auth/logon.aspx"),
)

SEARCH_REFERERS = (
    "https://www.google.com/",
    "https://www.google.de/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://www.ecosia.org/",
)

_WEEKDAY_OFFICE = (
    0.2,
    0.1,
    0.1,
    0.05,
    0.05,
    0.1,
    0.4,
    1.2,
    2.6,
    3.4,
    3.6,
    3.4,
    2.8,
    3.0,
    3.3,
    3.1,
    2.8,
    2.2,
    1.6,
    1.4,
    1.3,
    1.0,
    0.6,
    0.3,
)
_WEEKEND_OFFICE = (
    0.3,
    0.2,
    0.1,
    0.05,
    0.05,
    0.05,
    0.1,
    0.2,
    0.5,
    0.8,
    1.0,
    1.1,
    1.0,
    0.9,
    0.9,
    0.9,
    0.9,
    0.9,
    1.0,
    1.0,
    0.9,
    0.7,
    0.5,
    0.4,
)
_WEEKDAY_CONSUMER = (
    0.5,
    0.3,
    0.15,
    0.1,
    0.1,
    0.15,
    0.4,
    0.9,
    1.3,
    1.6,
    1.8,
    2.0,
    2.3,
    2.0,
    1.8,
    1.8,
    2.0,
    2.4,
    2.8,
    3.4,
    3.8,
    3.6,
    2.5,
    1.2,
)
_WEEKEND_CONSUMER = (
    0.7,
    0.4,
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.0,
    1.6,
    2.0,
    2.2,
    2.2,
    2.0,
    2.0,
    2.1,
    2.3,
    2.5,
    2.8,
    3.2,
    3.4,
    3.0,
    2.0,
    1.2,
)


@dataclass(frozen=True, slots=True)
class Hit:
    """One request as the access log records it, plus who made it (for ground truth)."""

    time_ns: int
    ip: str
    method: str
    target: str
    status: int
    size: int
    referer: str
    agent: str
    #: "visitor", "crawler", "scanner", "monitor", "owner", "wordpress", "attacker"
    actor: str
    #: requests of one browsing visit share this; a client without cookies gets one per request
    visit: int
    cookies: bool = True

    def line(self) -> str:
        """The Apache ``combined`` format line (LogFormat in apache2.conf)."""
        size = str(self.size) if self.size else "-"
        return (
            f'{self.ip} - - [{clock.apache(self.time_ns)}] "{self.method} {self.target} HTTP/1.1" '
            f'{self.status} {size} "{self.referer or "-"}" "{self.agent}"'
        )


@dataclass(frozen=True, slots=True)
class Site:
    """How one vhost is used."""

    domain: str
    #: (target, weight) of pages people and crawlers ask for
    pages: tuple[tuple[str, float], ...]
    #: fetched with the first page of a visit (browsers cache them after)
    assets: tuple[str, ...]
    #: images a page may show; one or two are fetched per page view
    images: tuple[str, ...]
    visits_weekday: float
    visits_weekend: float
    consumer: bool
    crawls_per_day: float
    has_robots: bool
    #: response size of static targets: the file's length
    sizes: Mapping[str, int]
    #: the site's 404 page size
    not_found_size: int


@functools.lru_cache(maxsize=1024)
def _page_size(path: str) -> int:
    """A dynamic page's typical size: stable per page, varied between pages."""
    return 3_000 + sum(ord(c) * (i + 1) for i, c in enumerate(path)) % 14_000


class Traffic:
    """Generates hits for one site over a span of days; deterministic for a given rng."""

    def __init__(self, rng: random.Random, visit_base: int) -> None:
        self.rng = rng
        self.next_visit = visit_base

    def _below(self, n: int) -> int:
        """``randrange(n)`` for the hot loops: ``random()`` is many times faster."""
        return int(self.rng.random() * n)

    def _visit_id(self) -> int:
        self.next_visit += 1
        return self.next_visit

    def visitor_ip(self) -> str:
        """A random documentation address that has no fixed role (about 1 in 7 is IPv6)."""
        rng = self.rng
        while True:
            if rng.random() < 0.14:
                return f"2001:db8:{rng.randrange(0x10, 0xFFFF):x}:{rng.randrange(1, 0xFFF):x}::{rng.randrange(1, 0xFFFF):x}"
            net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
            ip = f"{net}.{rng.randrange(2, 255)}"
            if ip not in RESERVED_IPS:
                return ip

    def _size(self, site: Site, target: str, status: int) -> int:
        if status == 404:
            return site.not_found_size + self.rng.randrange(0, 3)
        if status in (301, 302):
            return 240 + self.rng.randrange(0, 40)
        if status == 304:
            return 0 if self.rng.random() < 0.5 else 180 + self.rng.randrange(0, 30)
        base = target.split("?", 1)[0]
        if base in site.sizes:
            return site.sizes[base] + 260 + self._below(20)
        return _page_size(base) + self._below(400)

    def _when(self, day: int, site: Site) -> int:
        weekend = clock.weekday(day) >= 5
        if site.consumer:
            hours = _WEEKEND_CONSUMER if weekend else _WEEKDAY_CONSUMER
        else:
            hours = _WEEKEND_OFFICE if weekend else _WEEKDAY_OFFICE
        hour = self.rng.choices(range(24), weights=hours)[0]
        return day + hour * clock.HOUR + self._below(clock.HOUR)

    def visits(self, site: Site, days: Sequence[int]) -> Iterator[Hit]:
        """People browsing: a few pages, the assets with the first, images with each."""
        rng = self.rng
        agents = [a for a, _ in BROWSERS]
        weights = [w for _, w in BROWSERS]
        targets = [t for t, _ in site.pages]
        page_weights = [w for _, w in site.pages]
        for day in days:
            rate = site.visits_weekend if clock.weekday(day) >= 5 else site.visits_weekday
            for _ in range(max(0, round(rate * rng.uniform(0.7, 1.3)))):
                t = self._when(day, site)
                ip = self.visitor_ip()
                agent = rng.choices(agents, weights=weights)[0]
                visit = self._visit_id()
                referer = rng.choice(SEARCH_REFERERS) if rng.random() < 0.6 else ""
                pages = 1 + min(7, int(rng.expovariate(0.6)))
                for n in range(pages):
                    target = (
                        targets[0] if n == 0 and rng.random() < 0.5 else rng.choices(targets, weights=page_weights)[0]
                    )
                    yield Hit(
                        t, ip, "GET", target, 200, self._size(site, target, 200), referer, agent, "visitor", visit
                    )
                    page_url = f"https://{site.domain}{target}"
                    offset = 0
                    extra = list(site.assets) if n == 0 else []
                    if site.images:
                        extra += rng.sample(site.images, k=min(len(site.images), rng.randrange(1, 3)))
                    for asset in extra:
                        offset += (20 + self._below(230)) * clock.MS + self._below(clock.MS)
                        yield Hit(
                            t + offset,
                            ip,
                            "GET",
                            asset,
                            200,
                            self._size(site, asset, 200),
                            page_url,
                            agent,
                            "visitor",
                            visit,
                        )
                    referer = page_url
                    t += (6 + self._below(144)) * clock.SECOND + self._below(clock.SECOND)

    def crawlers(self, site: Site, days: Sequence[int]) -> Iterator[Hit]:
        """Search and AI crawlers: robots.txt, then pages, at any hour."""
        rng = self.rng
        weights = [w for _, w, _ in CRAWLERS]
        targets = [t for t, _ in site.pages]
        for day in days:
            seen: set[str] = set()
            for _ in range(max(0, round(site.crawls_per_day * rng.uniform(0.6, 1.4)))):
                agent, _w, ip = rng.choices(CRAWLERS, weights=weights)[0]
                t = day + rng.randrange(clock.DAY)
                visit = self._visit_id()
                if agent not in seen:
                    seen.add(agent)
                    status = 200 if site.has_robots else 404
                    yield Hit(
                        t,
                        ip,
                        "GET",
                        "/robots.txt",
                        status,
                        self._size(site, "/robots.txt", status),
                        "",
                        agent,
                        "crawler",
                        visit,
                        cookies=False,
                    )
                    t += rng.randrange(1, 30) * clock.SECOND + rng.randrange(clock.SECOND)
                target = rng.choice(targets)
                status = 304 if rng.random() < 0.15 else 200
                yield Hit(
                    t,
                    ip,
                    "GET",
                    target,
                    status,
                    self._size(site, target, status),
                    "",
                    agent,
                    "crawler",
                    visit,
                    cookies=False,
                )

    def scanners(
        self,
        site: Site | None,
        days: Sequence[int],
        per_day: float,
        status_of: Mapping[str, int] | None = None,
        not_found_size: int = 196,
    ) -> Iterator[Hit]:
        """Internet-wide vulnerability scanners: short bursts of probes, mostly 404."""
        rng = self.rng
        status_of = status_of or {}
        for day in days:
            for _ in range(max(0, round(per_day * rng.uniform(0.4, 1.6)))):
                ip = f"{rng.choice(('203.0.113', '192.0.2'))}.{rng.randrange(30, 61)}"
                if rng.random() < 0.5:
                    ip = f"{rng.choice(('203.0.113', '192.0.2'))}.{rng.randrange(200, 231)}"
                agent = rng.choice(SCANNER_AGENTS)
                t = day + rng.randrange(clock.DAY)
                for method, target in rng.sample(SCANNER_PROBES, k=rng.randrange(2, 9)):
                    status = status_of.get(target, 404)
                    size = (
                        self._size(site, target, status)
                        if site is not None
                        else (not_found_size if status == 404 else 10_926)
                    )
                    yield Hit(
                        t, ip, method, target, status, size, "", agent, "scanner", self._visit_id(), cookies=False
                    )
                    t += rng.randrange(40, 900) * clock.MS

    def monitor(self, site: Site, start: int, end: int, every: int) -> Iterator[Hit]:
        """An uptime monitor: HEAD / at a fixed interval, day and night."""
        agent = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
        t = start + self.rng.randrange(every)
        while t < end:
            yield Hit(
                t,
                MONITOR_IP,
                "HEAD",
                "/",
                200,
                287 + self.rng.randrange(4),
                f"https://{site.domain}",
                agent,
                "monitor",
                self._visit_id(),
                cookies=False,
            )
            t += every + self.rng.randrange(-2 * clock.SECOND, 2 * clock.SECOND)
