#!/usr/bin/env python3
"""Health endpoints for bench/health-check.sh, on 127.0.0.1.

Usage: health-endpoints.py <dir>
Serves HTTP on one free port and HTTPS (the certificate <dir>/tls.crt with key <dir>/tls.key) on another,
both answering GET /healthy (any query) with {"status":"healthy"} at once and GET /slow/<ms> with the same after <ms>
milliseconds; each request on its own thread. Writes "HTTP_PORT=<n>" and "TLS_PORT=<n>" to <dir>/ports.env
once both listen, and runs until it is terminated.
"""
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    # Fifty checks connect at once: the default backlog of 5 would drop some of them.
    request_queue_size = 128


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/slow/"):
            time.sleep(int(path[len("/slow/"):]) / 1000)
        elif path != "/healthy":
            self.send_error(404)
            return
        body = json.dumps({"status": "healthy"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    directory = sys.argv[1]
    http = Server(("127.0.0.1", 0), Handler)
    https = Server(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(directory, "tls.crt"), os.path.join(directory, "tls.key"))
    https.socket = context.wrap_socket(https.socket, server_side=True)
    for server in (http, https):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = os.path.join(directory, "ports.env")
    with open(ports + ".tmp", "w") as f:
        f.write(f"HTTP_PORT={http.server_address[1]}\nTLS_PORT={https.server_address[1]}\n")
    os.rename(ports + ".tmp", ports)
    threading.Event().wait()


if __name__ == "__main__":
    main()
