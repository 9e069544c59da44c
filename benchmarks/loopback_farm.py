"""A farm of small HTTP/1.1 news sites on 127.0.0.1 for bench_fetch.py; runs in its own process.

    python benchmarks/loopback_farm.py --hosts 20 --pages 1000 --latency-ms 5 --page-kb 40

One asyncio event loop serves every host, one port each (keep-alive, Content-Length bodies):
  /robots.txt        allow all, no Crawl-delay
  /sitemap.xml       a urlset of the host's pages, each with a lastmod
  /articles/N.html   ~page-kb of HTML with a strong ETag and Last-Modified
Every response waits `latency-ms` first; a matching If-None-Match (or, without one, an
If-Modified-Since equal to Last-Modified) gets a 304. Anything else is a 404.

Protocol with the parent, line by line: the farm prints "ready PORT,PORT,..." on stdout once it
listens; on stdin, "dump PATH" writes the request log gathered since the last dump to PATH (one
line per request: port, status, start, end as time.monotonic(), path), clears it and answers
"dumped REQUESTS CONNECTIONS CPU_SECONDS"; "quit" or end of input stops the farm.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email.utils
import random
import resource
import sys
import time

HEAD_END = b"\r\n\r\n"
LAST_MODIFIED = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
WORDS = (
    "government council minister election market report city police court school weather season "
    "company shares energy prices plan vote health hospital budget union strike river bridge train "
    "festival museum stadium coach league officials residents statement analysis interview data"
).split()


def filler(kb: int) -> bytes:
    """About `kb` KB of article-like paragraphs, the same for every page (the farm stays cheap)."""
    rng = random.Random(42)
    parts: list[str] = []
    size = 0
    while size < kb * 1024:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
        paragraph = "<p>" + " ".join([sentence] * rng.randint(2, 5)) + "</p>\n"
        parts.append(paragraph)
        size += len(paragraph)
    return "".join(parts).encode()


class Farm:
    def __init__(self, pages: int, latency: float, page_kb: int) -> None:
        self.pages = pages
        self.latency = latency
        self.body = filler(page_kb)
        self.log: list[tuple[int, int, float, float, str]] = []
        self.connections = 0
        self.last_modified = email.utils.format_datetime(LAST_MODIFIED, usegmt=True).encode()

    def page(self, port: int, n: int) -> bytes:
        published = (LAST_MODIFIED - dt.timedelta(hours=n)).isoformat()
        head = (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Story {n} from host {port}</title>"
            f'<meta property="article:published_time" content="{published}">'
            f'<link rel="canonical" href="http://127.0.0.1:{port}/articles/{n}.html"></head>\n'
            f"<body><header><nav><a href=\"/\">Home</a></nav></header><article><h1>Story {n} from host {port}</h1>\n"
        ).encode()
        return head + self.body + b"</article><footer>(c) Loopback News</footer></body></html>\n"

    def sitemap(self, port: int) -> bytes:
        rows = []
        for n in range(self.pages):
            lastmod = (LAST_MODIFIED - dt.timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            rows.append(f"<url><loc>http://127.0.0.1:{port}/articles/{n}.html</loc><lastmod>{lastmod}</lastmod></url>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows)
            + "\n</urlset>\n"
        ).encode()

    def route(self, port: int, path: str) -> tuple[int, bytes, bytes | None, bytes | None]:
        """(status, content type, body, ETag) for a path; body None: built only when no 304 is due."""
        if path == "/robots.txt":
            return 200, b"text/plain", b"User-agent: *\nAllow: /\n", None
        if path == "/sitemap.xml":
            return 200, b"application/xml", None, f'"sitemap-{port}-v1"'.encode()
        if path.startswith("/articles/") and path.endswith(".html"):
            number = path[len("/articles/") : -len(".html")]
            if number.isdigit() and int(number) < self.pages:
                return 200, b"text/html; charset=utf-8", None, f'"page-{port}-{number}-v1"'.encode()
        return 404, b"text/plain", b"not found\n", None

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(HEAD_END)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    break
                start = time.monotonic()
                lines = head.split(b"\r\n")
                parts = lines[0].split(b" ")
                path = parts[1].decode("latin-1") if len(parts) == 3 else "/"
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                await asyncio.sleep(self.latency)
                status, content_type, body, etag = self.route(port, path)
                extra = b""
                if etag is not None:
                    extra = b"ETag: " + etag + b"\r\nLast-Modified: " + self.last_modified + b"\r\n"
                    inm = headers.get(b"if-none-match")
                    ims = headers.get(b"if-modified-since")
                    if (inm is not None and etag in [t.strip() for t in inm.split(b",")]) or (
                        inm is None and ims == self.last_modified
                    ):
                        status, body = 304, b""
                    elif body is None:
                        body = self.sitemap(port) if path == "/sitemap.xml" else self.page(port, int(path[10:-5]))
                assert body is not None
                reason = {200: b"OK", 304: b"Not Modified", 404: b"Not Found"}[status]
                response = b"HTTP/1.1 %d %s\r\n" % (status, reason)
                if status != 304:
                    response += b"Content-Type: " + content_type + b"\r\nContent-Length: %d\r\n" % len(body)
                writer.write(response + extra + b"\r\n" + body)
                if writer.transport.is_closing():
                    break
                await writer.drain()  # returns at once unless the transport buffer is over its high-water mark
                self.log.append((port, status, start, time.monotonic(), path))
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()

    def dump(self, path: str) -> str:
        with open(path, "w") as out:
            for port, status, start, end, target in self.log:
                out.write(f"{port} {status} {start:.6f} {end:.6f} {target}\n")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        answer = f"dumped {len(self.log)} {self.connections} {usage.ru_utime + usage.ru_stime:.3f}"
        self.log.clear()
        self.connections = 0
        return answer


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=5.0)
    parser.add_argument("--page-kb", type=int, default=40)
    args = parser.parse_args()

    farm = Farm(args.pages, args.latency_ms / 1000, args.page_kb)
    listening = [
        await asyncio.start_server(farm.serve, "127.0.0.1", 0, backlog=256) for _ in range(args.hosts)
    ]
    servers = [server.sockets[0].getsockname()[1] for server in listening]
    print("ready " + ",".join(str(p) for p in servers), flush=True)

    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    while True:
        line = (await commands.readline()).decode().strip()
        if not line or line == "quit":
            break
        if line.startswith("dump "):
            print(farm.dump(line[5:]), flush=True)
    for server in listening:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
