#!/bin/sh
# Restart the queue worker if it died (run from root's crontab).
if ! pgrep -f "artisan queue:work" >/dev/null; then
    cd /var/www/app && sudo -u www-data php artisan queue:work --daemon >> storage/logs/worker.log 2>&1 &
fi
