<?php
// Installer: checks the environment before setting up the shop database.
$checks = array(
    'PHP version' => version_compare(PHP_VERSION, '8.0', '>='),
    'PDO MySQL'   => extension_loaded('pdo_mysql'),
    'GD'          => extension_loaded('gd'),
    'Writable'    => is_writable(__DIR__ . '/../cache'),
);
foreach ($checks as $label => $ok) {
    printf("%-12s %s\n", $label, $ok ? 'ok' : 'MISSING');
}
if (function_exists('exec')) {
    exec('convert -version', $lines, $status);
}
$cfg = file_get_contents(__DIR__ . '/config.sample.php');
file_put_contents(__DIR__ . '/../config.php', str_replace('DBPASS', addslashes($_POST['dbpass'] ?? ''), $cfg));
