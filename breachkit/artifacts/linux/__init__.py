"""Linux system logs: auth.log/secure, syslog/messages/kern.log, wtmp/btmp/utmp."""
