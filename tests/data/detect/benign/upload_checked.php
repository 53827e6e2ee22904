<?php
require __DIR__ . '/../includes/auth.php';
require_login();
$allowed = array('image/jpeg' => 'jpg', 'image/png' => 'png');
if ($_SERVER['REQUEST_METHOD'] === 'POST' && isset($_FILES['photo'])) {
    $info = getimagesize($_FILES['photo']['tmp_name']);
    if ($info === false || !isset($allowed[$info['mime']])) {
        http_response_code(400);
        exit('not an image');
    }
    $name = bin2hex(random_bytes(8)) . '.' . $allowed[$info['mime']];
    move_uploaded_file($_FILES['photo']['tmp_name'], IMAGE_DIR . '/' . $name);
    echo htmlspecialchars($name);
}
