"""Apache and nginx configuration read from the examined root: vhosts, roots, logs, formats."""

from __future__ import annotations

from pathlib import Path

from breachkit.artifacts.rotated import Problems
from breachkit.artifacts.web.config import read_config
from breachkit.sources import RootSource
from tests.artifacts.conftest import DATA, put

NGINX = b"""
user www-data;
events { worker_connections 768; }
http {
    log_format  timed  '$remote_addr [$time_iso8601] "$request" '
                       '$status $body_bytes_sent "$http_user_agent" rt=$request_time';
    access_log /var/log/nginx/access.log;
    include /etc/nginx/sites-enabled/*;   # the sites
}
"""
NGINX_SITE = b"""
server {
    listen 443 ssl;
    server_name blog.example.test www.blog.example.test;
    root /srv/blog/;
    access_log /var/log/nginx/blog.access.log timed;
    location /static/ { access_log off; root /srv/static; }
    error_log /var/log/nginx/blog.error.log;
}
server { server_name _; include /etc/nginx/sites-enabled/*; }
"""


def test_apache_vhost_with_include_glob_custom_format_and_piped_log(tmp_path: Path) -> None:
    put(tmp_path, "/etc/httpd/conf/httpd.conf", (DATA / "web/apache/httpd.conf").read_bytes())
    put(tmp_path, "/etc/httpd/sites/shop.conf", (DATA / "web/apache/shop.conf").read_bytes())
    put(tmp_path, "/etc/httpd/sites/loop.conf", b"Include sites/*.conf\n")  # includes itself
    source = RootSource(str(tmp_path))
    problems = Problems()
    config = read_config(source, problems)
    source.close()
    (vhost,) = config.vhosts
    assert vhost.server == "apache"
    assert vhost.names == ("shop.example.test", "www.shop.example.test")
    assert vhost.document_root == "/srv/shop/public"
    (log,) = vhost.access_logs
    assert log.path == "/var/log/httpd/shop_access.log"
    assert log.format.name == "forensic"
    assert vhost.error_logs == ("/etc/httpd/logs/shop_error.log",)
    assert vhost.config_file == "/etc/httpd/sites/shop.conf" and vhost.config_line == 1


def test_debian_envvars_and_default_format(tmp_path: Path) -> None:
    put(tmp_path, "/etc/apache2/envvars", b"export APACHE_LOG_DIR=/var/log/apache2$SUFFIX\n")
    put(
        tmp_path,
        "/etc/apache2/apache2.conf",
        b"IncludeOptional sites-enabled/*.conf\nIncludeOptional conf-enabled/*.conf\n",
    )
    put(
        tmp_path,
        "/etc/apache2/sites-enabled/000-default.conf",
        b"<VirtualHost *:80>\n\tDocumentRoot /var/www/html\n"
        b"\tCustomLog ${APACHE_LOG_DIR}/access.log \\\n\t\tcombined\n</VirtualHost>\n",
    )
    source = RootSource(str(tmp_path))
    config = read_config(source, Problems())
    source.close()
    (vhost,) = config.vhosts
    assert vhost.name == "(default)"
    assert [(log.path, log.format.name) for log in vhost.access_logs] == [("/var/log/apache2/access.log", "combined")]


def test_nginx_servers_formats_and_http_level_log(tmp_path: Path) -> None:
    put(tmp_path, "/etc/nginx/nginx.conf", NGINX)
    put(tmp_path, "/etc/nginx/sites-enabled/blog", NGINX_SITE)
    source = RootSource(str(tmp_path))
    config = read_config(source, Problems())
    source.close()
    blog, default = config.vhosts
    assert blog.names == ("blog.example.test", "www.blog.example.test")
    assert blog.document_root == "/srv/blog"
    assert [(log.path, log.format.name) for log in blog.access_logs] == [("/var/log/nginx/blog.access.log", "timed")]
    assert blog.error_logs == ("/var/log/nginx/blog.error.log",)
    assert default.names == () and [log.path for log in default.access_logs] == ["/var/log/nginx/access.log"]
    match = blog.access_logs[0].format.pattern.match(
        '192.0.2.1 [2026-11-21T23:41:17+01:00] "GET / HTTP/2.0" 200 512 "curl/8" rt=0.004'
    )
    assert match is not None and match.group("iso") == "2026-11-21T23:41:17+01:00"


def test_no_web_server_is_empty(tmp_path: Path) -> None:
    source = RootSource(str(tmp_path))
    config = read_config(source, Problems())
    source.close()
    assert config.vhosts == () and config.global_logs == ()
