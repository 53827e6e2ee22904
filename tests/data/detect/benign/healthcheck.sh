#!/bin/bash
# Checks that Apache answers locally; used by monitoring.
exec 3<>/dev/tcp/127.0.0.1/80
printf 'GET /server-status?auto HTTP/1.0\r\n\r\n' >&3
timeout 5 cat <&3 | head -n 1
