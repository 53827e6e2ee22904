<?php
$pages = array('home', 'about', 'contact', 'imprint');
$page = isset($_GET['page']) && in_array($_GET['page'], $pages, true) ? $_GET['page'] : 'home';
?>
<!doctype html>
<title><?= htmlspecialchars(ucfirst($page)) ?></title>
<?php include __DIR__ . '/pages/' . $page . '.php'; ?>
