#!/usr/bin/env python3
"""Holds N idle keep-alive connections to a Keywarden gateway listener for bench/run.sh.

Each connection sends one forward-auth request (a made-up key: 401), reads the answer and then
stays open and silent. Prints "open N" once every answer has come, then holds them until killed
or HOLD seconds have passed. Usage: idle-connections.py N PORT HOLD
"""
import socket
import sys
import time


def main():
    n, port, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    request = b"GET /v1/gateway/auth HTTP/1.1\r\nHost: bench\r\nX-API-Key: kw_idle\r\n\r\n"
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        socks.append(s)
    answered = sum(1 for s in socks if s.recv(4096).startswith(b"HTTP/1.1 401"))
    print("open", answered, flush=True)
    time.sleep(hold)


if __name__ == "__main__":
    main()
