<?php
$page = 'home';
include($_GET['page']);
