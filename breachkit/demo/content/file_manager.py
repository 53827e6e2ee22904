"""The blog's file-manager plugin, version 6.8: enough of it to be recognised, nothing of its real code.

WP File Manager up to 6.8 shipped elFinder's example connector,
``lib/php/connector.minimal.php``, where anyone could reach it: a POST with
``cmd=upload`` stores any file, a ``.php`` one included, in ``lib/files/``, which
the web server serves and runs (CVE-2020-25213,
https://nvd.nist.gov/vuln/detail/CVE-2020-25213). Scanners probe for its
``readme.txt`` every day. These files are written for the demo; they only have
the names and the shape of the plugin's.
"""

from __future__ import annotations

SLUG = "wp-file-manager"
VERSION = "6.8"
#: relative to the plugin folder
CONNECTOR = "lib/php/connector.minimal.php"
UPLOADS = "lib/files"

FILES: dict[str, bytes] = {
    "file_folder_manager.php": f"""<?php
/**
 * Plugin Name: WP File Manager
 * Description: Manage your WP files.
 * Version: {VERSION}
 * Text Domain: wp-file-manager
 */
if (!defined('ABSPATH')) {{
    exit;
}}
define('WP_FM_DIR', plugin_dir_path(__FILE__));
require_once WP_FM_DIR . 'lib/php/autoload.php';
add_action('admin_menu', function () {{
    add_menu_page('WP File Manager', 'WP File Manager', 'manage_options', 'wp_file_manager', 'wp_fm_page');
}});
""".encode(),
    "readme.txt": f"""=== File Manager ===
Tags: file manager, wp file manager, filemanager, upload
Requires at least: 4.0
Tested up to: 5.5
Requires PHP: 5.2.4
Stable tag: {VERSION}
License: GPLv2

Manage your WordPress files from the dashboard: edit, delete, upload, download, zip and copy.

== Changelog ==

= {VERSION} =
* Compatibility with WordPress 5.5
""".encode(),
    "lib/php/autoload.php": b"""<?php
// loads the file manager's classes on demand
spl_autoload_register(function ($name) {
    $file = __DIR__ . '/' . $name . '.class.php';
    if (is_file($file)) {
        require $file;
    }
});
""",
    # the example connector the plugin should never have shipped: no login check at all
    CONNECTOR: b"""<?php
error_reporting(0);
require './autoload.php';
function access($attr, $path, $data, $volume) {
    return strpos(basename($path), '.') === 0 ? !($attr == 'read' || $attr == 'write') : null;
}
$opts = array(
    'roots' => array(
        array(
            'driver' => 'LocalFileSystem',
            'path' => '../files/',
            'URL' => dirname($_SERVER['PHP_SELF']) . '/../files/',
            'uploadDeny' => array(),
            'uploadAllow' => array(),
            'accessControl' => 'access',
        ),
    ),
);
$connector = new elFinderConnector(new elFinder($opts));
$connector->run();
""",
    "lib/php/elFinderConnector.class.php": b"""<?php
/**
 * Reads the command of a request, runs it on the elFinder object and answers in JSON.
 */
class elFinderConnector
{
    protected $elFinder;

    public function __construct($elFinder)
    {
        $this->elFinder = $elFinder;
    }

    public function run()
    {
        header('Content-Type: application/json');
        echo json_encode($this->elFinder->exec());
    }
}
""",
    "lib/php/elFinder.class.php": b"""<?php
/**
 * Volume operations (open, upload, rename, rm) over the configured roots.
 */
class elFinder
{
    protected $options;

    public function __construct($opts)
    {
        $this->options = $opts;
    }

    public function exec()
    {
        return array('error' => array('errUnknownCmd'));
    }
}
""",
    "lib/css/elfinder.min.css": b".elfinder{padding:0;position:relative;display:block}.elfinder-toolbar{padding:4px 0 3px 0}\n",
    "lib/js/elfinder.min.js": b'/*! elFinder */\n!function(e){"use strict";e.fn.elfinder=function(n){return this}}(jQuery);\n',
}
