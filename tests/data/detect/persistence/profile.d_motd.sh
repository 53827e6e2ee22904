# show system status
if [ -n "$PS1" ]; then uptime; fi
